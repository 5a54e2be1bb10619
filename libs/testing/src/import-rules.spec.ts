import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findImportViolations, LEDGER_IMPORT_RULES } from './import-rules';

describe('import boundaries', () => {
  it('the repository keeps its boundaries', () => {
    expect(findImportViolations(resolve(__dirname, '../../..'), LEDGER_IMPORT_RULES)).toEqual([]);
  });

  it('the checker itself catches a domain file importing infrastructure', () => {
    const root = mkdtempSync(join(tmpdir(), 'imports-'));
    try {
      mkdirSync(join(root, 'libs/domain/src/x'), { recursive: true });
      writeFileSync(join(root, 'libs/domain/src/x/bad.ts'), "import { Injectable } from '@nestjs/common';\nconst db = require('better-sqlite3');\n");
      for (const dir of ['libs/event-store/src', 'libs/personal-data/src']) mkdirSync(join(root, dir), { recursive: true });
      const found = findImportViolations(root, LEDGER_IMPORT_RULES);
      expect(found.map((v) => [v.file, v.line, v.module])).toEqual([
        ['libs/domain/src/x/bad.ts', 1, '@nestjs/common'],
        ['libs/domain/src/x/bad.ts', 2, 'better-sqlite3'],
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
