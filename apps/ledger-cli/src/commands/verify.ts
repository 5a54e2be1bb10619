import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore, verifyLedger, type EventStore, type IntegrityFailure } from '@ledger/event-store';
import { DirectoryWitness, parseVerifierKey, type VerifierKey } from '@ledger/integrity';
import { createEventStore, loadConfig } from '@ledger/platform';
import { setExitCode } from '../exit';
import { withProgress } from '../progress';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A verifier key given inline (`name+id+key`) or as a file holding one per line. */
export function readVerifierKeys(values: string[]): VerifierKey[] {
  return values.flatMap((value) => {
    const text = existsSync(value) ? readFileSync(value, 'utf8') : value;
    return text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => parseVerifierKey(l));
  });
}

export function describeFailure(f: IntegrityFailure): string {
  const where =
    f.streamId !== undefined ? `${f.streamId} @ revision ${f.revision} (position ${f.position})` : f.position !== undefined ? `position ${f.position}` : 'ledger';
  return `  ${where}: ${f.reason} — ${f.detail}`;
}

/**
 * Read-only verification: hash chains, the Merkle tree against the log, every signed checkpoint, the
 * append-only triggers, and — with --checkpoint or a witness directory — that today's log extends
 * checkpoints kept outside the store. Exit 0 intact, 1 broken.
 */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('verify the ledger read-only (hash chains, Merkle tree, signed checkpoints, triggers); exit 0 when intact, 1 when broken')
    .option('--json', 'print the full report as JSON')
    .option('--checkpoint <file>', 'a signed checkpoint kept outside the store; the log must extend it (repeatable)', collect, [])
    .option('--witness-dir <dir>', 'a witness directory whose latest checkpoint the log must extend (default LEDGER_WITNESS_DIR)')
    .option('--public-key <key-or-file>', 'pin the verifier key (name+id+base64, or a file of them); without it the keys the ledger announced are trusted on first use', collect, [])
    .action(async (options: { json?: boolean; checkpoint: string[]; witnessDir?: string; publicKey: string[] }) => {
      const config = loadConfig();
      const trustedKeys = readVerifierKeys(options.publicKey);
      const external = options.checkpoint.map((file) => readFileSync(file, 'utf8'));
      const witnessDir = options.witnessDir ?? config.integrity.witnessDir;
      if (witnessDir) {
        const held = new DirectoryWitness(witnessDir, () => []).latest();
        if (held) external.push(held);
        else if (options.witnessDir) throw new Error(`no checkpoint in witness directory ${witnessDir}`);
      }
      // Read-only on the embedded file: verifying must never re-create a dropped trigger.
      const store: EventStore = config.eventStoreUrl
        ? await createEventStore(config)
        : new SqliteEventStore({ file: join(config.dataDir, 'events.db'), readonly: true });
      try {
        let checked = 0;
        let total = 0;
        const report = await withProgress(
          'verify',
          async () => ({ done: checked, total }),
          () =>
            verifyLedger(store, {
              densePositions: store.kind === 'embedded-sqlite',
              trustedKeys,
              externalCheckpoints: external,
              maxUncoveredAgeMs: 2 * config.integrity.checkpointIntervalSeconds * 1000 + 60_000,
              onProgress: (done, all) => {
                checked = done;
                total = all ?? done;
              },
            }),
        );
        if (options.json) {
          process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        } else {
          const where = config.eventStoreUrl ? 'EventStoreDB' : `${config.dataDir}/events.db`;
          process.stdout.write(`${report.intact ? 'INTACT' : 'BROKEN'}: ${report.eventsChecked} events in ${report.streamsChecked} streams checked (${where})\n`);
          const good = report.checkpoints.filter((c) => c.ok).length;
          process.stdout.write(
            `  tree size ${report.treeSize}, root ${report.rootHash}; ${good}/${report.checkpoints.length} checkpoints good (${external.length} from outside the store); ${report.uncoveredEvents} events after the latest; keys ${report.keysPinned ? 'pinned' : 'NOT pinned (trusted as announced by the ledger)'}\n`,
          );
          for (const f of report.failures) process.stdout.write(describeFailure(f) + '\n');
        }
        setExitCode(report.intact ? 0 : 1);
      } finally {
        await store.close();
      }
    });
}
