import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DETECTOR_CONFIG, detectorVersions } from '@ledger/domain';
import { ConfigError, loadConfig } from './config';

const dir = mkdtempSync(join(tmpdir(), 'ethics-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('accepted');
};

describe('政風 detector settings and holiday calendar files', () => {
  it('without files, the project defaults', () => expect(loadConfig({}).ethicsDetectors).toEqual(DEFAULT_DETECTOR_CONFIG));

  it('reads the settings over the defaults and the calendar; each changes the versions recorded in anomalies', () => {
    const config = loadConfig({
      LEDGER_ETHICS_DETECTORS_FILE: file('d.json', '{"BULK":{"perHour":80}}'),
      LEDGER_ETHICS_CALENDAR_FILE: file('c.txt', '# example\n2025-01-01 HOLIDAY 開國紀念日\n'),
    }).ethicsDetectors!;
    expect(config.BULK.perHour).toBe(80);
    expect(config.OFF_HOURS.calendar.holidays.has('2025-01-01')).toBe(true);
    const v = detectorVersions(config);
    const base = detectorVersions(DEFAULT_DETECTOR_CONFIG);
    expect([v.BULK === base.BULK, v.OFF_HOURS === base.OFF_HOURS, v.SELF_QUERY === base.SELF_QUERY]).toEqual([false, false, true]);
  });

  it('a bad file stops the start naming the variable and the setting or line, never a value', () => {
    expect(refusal({ LEDGER_ETHICS_DETECTORS_FILE: file('bad.json', '{"BULK":{"perHour":-1}}') })).toEqual([
      { variable: 'LEDGER_ETHICS_DETECTORS_FILE', rule: 'BULK.perHour must be an integer 1–1000000' },
    ]);
    expect(refusal({ LEDGER_ETHICS_DETECTORS_FILE: file('broken.json', '{') })[0].rule).toBe('must hold a JSON object');
    expect(refusal({ LEDGER_ETHICS_CALENDAR_FILE: file('bad.txt', '2025-02-30 HOLIDAY') })[0]).toMatchObject({ variable: 'LEDGER_ETHICS_CALENDAR_FILE', rule: expect.stringContaining('line 1') });
    expect(refusal({ LEDGER_ETHICS_CALENDAR_FILE: join(dir, 'missing.txt') })[0].rule).toBe('must name a readable file');
  });
});
