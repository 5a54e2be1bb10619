import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REFUSALS } from './refusals';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') && !p.endsWith('.spec.ts') ? [p] : [];
  });
}

describe('refusal catalogue (issue 15, point 7)', () => {
  const text = sources(join(__dirname, '..')).map((p) => readFileSync(p, 'utf8')).join('\n');
  const used = [...text.matchAll(/(?:refuse\(|requireStatus\([^)]*?,\s*)'([A-Z_]+)',\s*('([^']+)'|[A-Za-z_.]+)/g)].map((m) => ({ code: m[1], rule: m[3] }));
  const indirect = [...text.matchAll(/\['([A-Z][A-Z_]+)', [`'"]/g)].map((m) => m[1]).filter((c) => c.startsWith('APPLICATION_'));

  it('lists every code a decider refuses with', () => {
    expect(used.length).toBeGreaterThan(30);
    const missing = [...new Set([...used.map((u) => u.code), ...indirect])].filter((code) => !(code in REFUSALS));
    expect(missing).toEqual([]);
  });

  it('cites the same 要點 point as the decider wherever the decider names it literally', () => {
    const differing = used.filter((u) => u.rule && REFUSALS[u.code as keyof typeof REFUSALS]?.rule !== u.rule);
    expect(differing).toEqual([]);
  });

  it('lists no code that no decider uses', () => {
    const codes = new Set([...used.map((u) => u.code), ...indirect]);
    expect(Object.keys(REFUSALS).filter((code) => !codes.has(code))).toEqual([]);
  });
});
