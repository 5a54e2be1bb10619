import { loadConfig } from './config';

describe('deadlines the 要點 fixes may be configured stricter, never looser', () => {
  it('要點 七: LEDGER_DEADLINE_BLI_NOTICE_DAYS=30 is refused; 3 is accepted', () => {
    expect(() => loadConfig({ LEDGER_DEADLINE_BLI_NOTICE_DAYS: '30' })).toThrow(/at most 7/);
    expect(() => loadConfig({ LEDGER_DEADLINE_BLI_NOTICE_DAYS: '8' })).toThrow(/never looser/);
    expect(loadConfig({ LEDGER_DEADLINE_BLI_NOTICE_DAYS: '3' }).deadlines.bliNoticeDays).toBe(3);
  });
  it('要點 六(六) and 九(三): yearly reviews may not be configured beyond 12 months', () => {
    expect(() => loadConfig({ LEDGER_DEADLINE_ACCESS_REVIEW_MONTHS: '13' })).toThrow(/at most 12/);
    expect(() => loadConfig({ LEDGER_DEADLINE_USAGE_REVIEW_MONTHS: '24' })).toThrow(/at most 12/);
    expect(loadConfig({ LEDGER_DEADLINE_ACCESS_REVIEW_MONTHS: '6' }).deadlines.accessReviewMonths).toBe(6);
  });
  it('十(二) is a project default (the 要點 names no period), so it may be set either way', () => {
    expect(loadConfig({ LEDGER_DEADLINE_TRAINING_MONTHS: '24' }).deadlines.trainingMonths).toBe(24);
  });
  it('future tolerance and read wait are configurable, non-negative', () => {
    expect(loadConfig({ LEDGER_FUTURE_TOLERANCE_SECONDS: '60', LEDGER_READ_WAIT_MS: '0' })).toMatchObject({ futureToleranceMs: 60_000, readWaitMs: 0 });
    expect(() => loadConfig({ LEDGER_FUTURE_TOLERANCE_SECONDS: '-1' })).toThrow(/non-negative/);
  });
  // records
  it('要點 十一(二): deleting obtained data within a month may be configured as 1–28 days, never longer; unset means one calendar month', () => {
    expect(loadConfig({}).deadlines.deleteObtainedDataDays).toBeUndefined();
    expect(loadConfig({ LEDGER_DEADLINE_DELETE_OBTAINED_DATA_DAYS: '14' }).deadlines.deleteObtainedDataDays).toBe(14);
    expect(() => loadConfig({ LEDGER_DEADLINE_DELETE_OBTAINED_DATA_DAYS: '31' })).toThrow(/never looser/);
    expect(() => loadConfig({ LEDGER_DEADLINE_DELETE_OBTAINED_DATA_DAYS: 'x' })).toThrow(/positive integer/);
  });
  it('要點 十二(十) 即時: notifying BLI of an incident may be configured as 1–60 minutes, never longer; unset means within the hour', () => {
    expect(loadConfig({}).deadlines.incidentNoticeMinutes).toBeUndefined();
    expect(loadConfig({ LEDGER_DEADLINE_INCIDENT_NOTICE_MINUTES: '15' }).deadlines.incidentNoticeMinutes).toBe(15);
    expect(() => loadConfig({ LEDGER_DEADLINE_INCIDENT_NOTICE_MINUTES: '120' })).toThrow(/never looser/);
  });
  it('要點 十二(二)(四) name no period for the joint audit and breach review reports: 1–365 days, unset means the 30-day project default', () => {
    expect(loadConfig({}).deadlines).toMatchObject({ jointAuditReportDays: undefined, breachReportDays: undefined });
    expect(loadConfig({ LEDGER_DEADLINE_JOINT_AUDIT_REPORT_DAYS: '60', LEDGER_DEADLINE_BREACH_REPORT_DAYS: '14' }).deadlines).toMatchObject({ jointAuditReportDays: 60, breachReportDays: 14 });
    expect(() => loadConfig({ LEDGER_DEADLINE_JOINT_AUDIT_REPORT_DAYS: '400' })).toThrow(/LEDGER_DEADLINE_JOINT_AUDIT_REPORT_DAYS/);
    expect(() => loadConfig({ LEDGER_DEADLINE_BREACH_REPORT_DAYS: '0' })).toThrow(/LEDGER_DEADLINE_BREACH_REPORT_DAYS/);
  });
});
