import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface ImportRule {
  /** Files under this folder (relative to the repo root)… */
  from: string;
  /** …may not import modules matching any of these. */
  forbidden: RegExp[];
  why: string;
}

export interface ImportViolation {
  file: string;
  line: number;
  module: string;
  why: string;
}

const IMPORT = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function* sourceFiles(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (name.endsWith('.ts')) yield path;
  }
}

/** Boundaries made visible: the domain imports nothing from infrastructure, adapters never the reverse. */
export function findImportViolations(root: string, rules: ImportRule[]): ImportViolation[] {
  const violations: ImportViolation[] = [];
  for (const rule of rules) {
    for (const file of sourceFiles(join(root, rule.from))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          for (const m of text.matchAll(IMPORT)) {
            const module = m[1] ?? m[2] ?? m[3];
            if (rule.forbidden.some((re) => re.test(module))) {
              violations.push({ file: relative(root, file), line: i + 1, module, why: rule.why });
            }
          }
        });
    }
  }
  return violations;
}

export const LEDGER_IMPORT_RULES: ImportRule[] = [
  {
    from: 'libs/domain/src',
    forbidden: [/^@nestjs\//, /^@ledger\/(event-store|platform|read-models|personal-data)/, /better-sqlite3/, /^mongodb/, /kurrent/, /^node:(fs|net|http|crypto)/, /apps\//],
    why: 'the write side is pure: deciders import no framework, store, crypto or I/O',
  },
  {
    from: 'libs/event-store/src',
    forbidden: [/^@nestjs\//, /^@ledger\/(domain|platform|read-models)/, /apps\//],
    why: 'the event store knows nothing of the domain or the HTTP service',
  },
  {
    from: 'libs/projections/src',
    forbidden: [/^@nestjs\//, /^@ledger\/(platform|personal-data)/, /better-sqlite3/, /^mongodb/, /kurrent/, /apps\//],
    why: 'projections are deterministic folds over events into the read-model port: no framework, store or keys',
  },
  {
    from: 'libs/personal-data/src',
    forbidden: [/^@nestjs\//, /^@ledger\/(domain|event-store|platform)/, /apps\//],
    why: 'personal-data protection is a leaf library',
  },
];
