import { packagePeriod } from './package';

describe('npm run cli -- package: the period asked for', () => {
  const now = new Date('2026-03-01T00:00:00Z');
  it('defaults to the last whole calendar year (要點 十二(五): one inspection year)', () => {
    expect(packagePeriod({}, now)).toEqual({ from: '2025-01-01', to: '2025-12-31' });
    expect(packagePeriod({ year: '2024' }, now)).toEqual({ from: '2024-01-01', to: '2024-12-31' });
    expect(packagePeriod({ from: '2025-07-01' }, now)).toEqual({ from: '2025-07-01', to: '2025-12-31' });
  });
  it('names the option that is wrong', () => {
    expect(packagePeriod({ from: '2025-13-01' }, now)).toMatch(/^--from /);
    expect(packagePeriod({ from: '2025-01-01', to: '2025-02-30' }, now)).toMatch(/^--to /);
    expect(packagePeriod({ from: '2025-12-01', to: '2025-01-01' }, now)).toBe('--from must not be after --to');
    expect(packagePeriod({ year: '25' }, now)).toMatch(/^--year /);
    expect(packagePeriod({ year: '2025', from: '2025-01-01' }, now)).toMatch(/cannot be combined/);
  });
});
