import { existsSync, readFileSync } from 'node:fs';
import { parseVerifierKey, type VerifierKey } from '@ledger/integrity';
import type { PackageFailure, PackageVerification } from './verify-package';

/** Verifier keys given inline (`name+id+key`) or as files holding one per line. */
export function readPublicKeys(values: string[]): VerifierKey[] {
  return values.flatMap((value) =>
    (existsSync(value) ? readFileSync(value, 'utf8') : value)
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => parseVerifierKey(l)),
  );
}

export const describePackageFailure = (f: PackageFailure) => `${f.file}${f.line !== undefined ? ` line ${f.line}` : ''}${f.event ? ` (event ${f.event})` : ''}: ${f.detail}`;

/** The verifier's answer as an inspector reads it: VALID or INVALID with the first failure first. */
export function formatVerification(file: string, r: PackageVerification): string {
  const lines: string[] = [];
  if (r.ok) {
    lines.push(`VALID: ${file} — ${r.events} events of ${r.agencyCode} in the signed checkpoint of tree size ${r.treeSize}; hashes, chains, proofs, CSVs and report agree`);
    for (const s of r.sections) lines.push(`  ${s.file}: ${s.rows} rows`);
  } else {
    lines.push(`INVALID: ${describePackageFailure(r.failures[0])}`);
    for (const f of r.failures.slice(1, 20)) lines.push(`  also ${describePackageFailure(f)}`);
    if (r.failures.length > 20) lines.push(`  … ${r.failures.length - 20} more`);
  }
  lines.push(r.keyPinned ? '  key pinned (given with --public-key)' : '  key NOT pinned: the checkpoint was checked against the key inside the package; give the ledger\'s public key with --public-key');
  return lines.join('\n') + '\n';
}
