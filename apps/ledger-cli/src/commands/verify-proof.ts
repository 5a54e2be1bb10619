import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { computeEventHash, type RecordedEvent } from '@ledger/event-store';
import { checkProofBundle, type ProofBundle } from '@ledger/integrity';
import { setExitCode } from '../exit';
import { readVerifierKeys } from './verify';

/**
 * Offline: checks an inclusion or consistency proof (as served by /ledger/proofs/…) against its signed
 * checkpoint with nothing but the ledger's public key — no store, no network. With --event, also that
 * the exported event hashes to the proven leaf.
 */
export function registerVerifyProof(program: Command): void {
  program
    .command('verify-proof')
    .description('check an inclusion or consistency proof offline with only the public key; exit 0 valid, 1 invalid')
    .argument('<proof-file>', 'the JSON proof (GET /ledger/proofs/inclusion or /ledger/proofs/consistency)')
    .requiredOption('--public-key <key-or-file>', 'the pinned verifier key (name+id+base64, or a file of them)', (v: string, p: string[] = []) => [...p, v])
    .option('--checkpoint <file>', 'your own copy of the older checkpoint (consistency proofs)')
    .option('--event <file>', 'the exported event (JSON, as GET /ledger/streams returns it): it must hash to the proven leaf')
    .option('--json', 'print the result as JSON')
    .action((file: string, options: { publicKey: string[]; checkpoint?: string; event?: string; json?: boolean }) => {
      const keys = readVerifierKeys(options.publicKey);
      let bundle: ProofBundle;
      try {
        bundle = JSON.parse(readFileSync(file, 'utf8')) as ProofBundle;
      } catch (error) {
        throw new Error(`${file}: not a JSON proof (${(error as Error).message})`);
      }
      const older = options.checkpoint ? readFileSync(options.checkpoint, 'utf8') : undefined;
      let result = checkProofBundle(bundle, keys, older);
      if (result.ok && options.event) {
        const event = JSON.parse(readFileSync(options.event, 'utf8')) as RecordedEvent;
        const hash = computeEventHash(event);
        if (bundle.type !== 'inclusion') result = { ok: false, detail: '--event applies to inclusion proofs' };
        else if (hash !== bundle.event_hash) result = { ok: false, detail: `the event hashes to ${hash}, not to the proven leaf ${bundle.event_hash}` };
        else result = { ok: true, detail: `${result.detail}; the event ${event.streamId} revision ${event.revision} hashes to it` };
      }
      if (options.json) process.stdout.write(JSON.stringify(result) + '\n');
      else process.stdout.write(`${result.ok ? 'VALID' : 'INVALID'}: ${result.detail}\n`);
      setExitCode(result.ok ? 0 : 1);
    });
}
