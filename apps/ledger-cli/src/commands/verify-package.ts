import type { Command } from 'commander';
import { formatVerification, readPublicKeys, verifyPackage } from '@ledger/package/verify';
import { setExitCode } from '../exit';

/**
 * Offline: checks an inspection package with nothing but the ledger's public key — no store, no
 * network, no configuration (the same check as the stand-alone libs/package/src/verify/bin.ts).
 */
export function registerVerifyPackage(program: Command): void {
  program
    .command('verify-package')
    .description('verify an inspection package offline with only the public key; exit 0 valid, 1 invalid (the first failure named: file, line, event)')
    .argument('<package-zip>', 'the package written by `package` or GET /packages/jobs/:id/file')
    .option('--public-key <key-or-file>', "the ledger's verifier key (name+id+base64, or a file of them), obtained out of band; without it the key inside the package is used and the result says so", (v: string, p: string[] = []) => [...p, v])
    .option('--json', 'print the result as JSON')
    .action(async (file: string, options: { publicKey?: string[]; json?: boolean }) => {
      const result = await verifyPackage(file, { publicKeys: readPublicKeys(options.publicKey ?? []) });
      process.stdout.write(options.json ? JSON.stringify(result, null, 2) + '\n' : formatVerification(file, result));
      setExitCode(result.ok ? 0 : 1);
    });
}
