/**
 * The verifier as a program of its own, with no framework and no ledger:
 *   node verify-package.js PACKAGE.zip [--public-key KEY|FILE]... [--json]
 * Exit 0 valid, 1 invalid, 2 usage.
 */
import { formatVerification, readPublicKeys } from './report';
import { verifyPackage } from './verify-package';

export async function verifyPackageMain(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const keys: string[] = [];
  let file: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--public-key' && argv[i + 1]) keys.push(argv[++i]);
    else if (argv[i] === '--json') json = true;
    else if (!argv[i].startsWith('-') && !file) file = argv[i];
    else {
      out(`usage: verify-package PACKAGE.zip [--public-key KEY|FILE]... [--json]\n`);
      return 2;
    }
  }
  if (!file) {
    out(`usage: verify-package PACKAGE.zip [--public-key KEY|FILE]... [--json]\n`);
    return 2;
  }
  const result = await verifyPackage(file, { publicKeys: readPublicKeys(keys) });
  out(json ? JSON.stringify(result, null, 2) + '\n' : formatVerification(file, result));
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  verifyPackageMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(2);
    },
  );
}
