import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * The boundary rules (.dependency-cruiser.js, run on the repository by `npm run depcruise`) tested
 * once against a fixture with one violation of each rule, written the ways a regex would miss.
 */
const repo = resolve(__dirname, '../../..');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

function cruise(files: Record<string, string>): Violation[] {
  const root = mkdtempSync(join(tmpdir(), 'boundaries-'));
  try {
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'), 'dir');
    const paths: Record<string, string[]> = {};
    for (const lib of ['domain', 'event-store', 'read-models', 'projections', 'platform', 'personal-data', 'testing']) {
      paths[`@ledger/${lib}`] = [`libs/${lib}/src`];
      paths[`@ledger/${lib}/*`] = [`libs/${lib}/src/*`];
    }
    writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: './', paths, module: 'commonjs', moduleResolution: 'node' } }));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const run = spawnSync(process.execPath, [join(repo, 'node_modules/.bin/depcruise'), 'apps', 'libs', '--config', join(repo, '.dependency-cruiser.js'), '--output-type', 'json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (!run.stdout) throw new Error(`depcruise produced no report: ${run.stderr}`);
    return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const found = (violations: Violation[]) => violations.map((v) => [v.rule.name, v.from, v.to.replace(/^.*node_modules\//, 'node_modules/')]).sort();

describe('boundary rules (dependency-cruiser)', () => {
  it('catch each kind of violation, however the import is written', () => {
    const violations = cruise({
      'libs/domain/src/core/ok.ts': "export const ok = 1;\n",
      // A multi-line import, a require and a dynamic import: the regex checker missed the first.
      'libs/domain/src/x/bad.ts': [
        'import {',
        '  Injectable,',
        '  Logger,',
        "} from '@nestjs/common';",
        "const fs = require('node:fs');",
        "export const later = () => import('@ledger/event-store');",
        'export { Injectable, Logger, fs };',
      ].join('\n'),
      'libs/domain/src/x/bad.spec.ts': "import { ok } from '../core/ok';\nimport { harness } from '@ledger/testing';\nexport const x = [ok, harness];\n",
      'libs/event-store/src/index.ts': "import type { Whatever } from '../../domain/src/core/ok';\nexport type W = Whatever;\n",
      'libs/read-models/src/runner.ts': "import {\n  Logger,\n} from '@nestjs/common';\nexport const l = Logger;\n",
      'libs/read-models/src/index.ts': "export * from './runner';\n",
      'libs/projections/src/roster.ts': [
        "import type { ok as OkType } from '@ledger/domain/core/ok';",
        "import { ok } from '@ledger/domain/core/ok';",
        'export const x: typeof OkType = ok;',
      ].join('\n'),
      'libs/projections/src/types-only.ts': "import type { ok } from '@ledger/domain/core/ok';\nexport type T = typeof ok;\n",
      'libs/personal-data/src/leaf.ts': "import { ok } from '@ledger/domain/core/ok';\nexport const y = ok;\n",
      'libs/platform/src/uses-app.ts': "import { main } from '../../../apps/api/src/main';\nexport const z = main;\n",
      'libs/platform/src/uses-test-helper.ts': "import { harness } from '@ledger/testing';\nexport const h = harness;\n",
      'libs/testing/src/index.ts': 'export const harness = 1;\n',
      'libs/platform/src/a.ts': "import { b } from './b';\nexport const a = () => b;\n",
      'libs/platform/src/b.ts': "import { a } from './a';\nexport const b = () => a;\n",
      'libs/platform/src/c.ts': "import type { D } from './d';\nexport interface C { d?: D }\n",
      'libs/platform/src/d.ts': "import { c } from './c-value';\nimport type { C } from './c';\nexport interface D { c?: C }\nexport const d = c;\n",
      'libs/platform/src/c-value.ts': 'export const c = 1;\n',
      'apps/api/src/main.ts': 'export const main = 1;\n',
      'libs/package/src/verify/bad.ts': "import PDFDocument from 'pdfkit';\nexport const p = PDFDocument;\n",
      'libs/package/src/generate/bad.ts': "import { Logger } from '@nestjs/common';\nexport const l = Logger;\n",
    });
    expect(found(violations)).toEqual(
      [
        ['domain-is-pure', 'libs/domain/src/x/bad.ts', 'node_modules/@nestjs/common/index.js'],
        ['domain-is-pure', 'libs/domain/src/x/bad.ts', 'fs'],
        ['domain-is-pure', 'libs/domain/src/x/bad.ts', 'libs/event-store/src/index.ts'],
        ['event-store-knows-no-domain', 'libs/event-store/src/index.ts', 'libs/domain/src/core/ok.ts'],
        ['stores-and-read-models-without-nestjs', 'libs/read-models/src/runner.ts', 'node_modules/@nestjs/common/index.js'],
        ['projections-use-domain-event-types-only', 'libs/projections/src/roster.ts', 'libs/domain/src/core/ok.ts'],
        ['personal-data-is-a-leaf', 'libs/personal-data/src/leaf.ts', 'libs/domain/src/core/ok.ts'],
        ['no-library-imports-an-app', 'libs/platform/src/uses-app.ts', 'apps/api/src/main.ts'],
        ['test-helpers-stay-in-tests', 'libs/platform/src/uses-test-helper.ts', 'libs/testing/src/index.ts'],
        ['no-circular', 'libs/platform/src/a.ts', 'libs/platform/src/b.ts'],
        ['no-circular', 'libs/platform/src/c.ts', 'libs/platform/src/d.ts'],
        ['package-verifier-stands-alone', 'libs/package/src/verify/bad.ts', 'node_modules/pdfkit/js/pdfkit.node.mjs'],
        ['package-library-without-nestjs', 'libs/package/src/generate/bad.ts', 'node_modules/@nestjs/common/index.js'],
      ].sort(),
    );
  }, 60_000);
});
