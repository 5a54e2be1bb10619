import { givenFor } from '../../testing/given-when-then';
import { AGENCY } from '../../testing/test-fixtures';
import type { ReportIncident } from './incident.commands';
import { incidentDecider, incidentNoticeDueAt } from './incident.decider';
import type { IncidentEvent } from './incident.events';

const given = givenFor(incidentDecider);
const ID = 'SWD001_2025_INC_01';
const DISCOVERED = new Date('2025-07-01T01:10:00.000Z');
const at = (iso: string) => ({ occurredAt: new Date(iso) });

const report = (overrides: Partial<ReportIncident> = {}): ReportIncident => ({
  type: 'ReportIncident',
  incidentId: ID,
  agencyCode: AGENCY,
  suspected: true,
  summary: '承辦人電腦疑遭惡意程式感染,可能外洩查詢結果檔',
  registrationIds: ['SWD001_2025_000123'],
  obtainedDataRecordIds: ['SWD001_2025_OD_001'],
  ...overrides,
});
const reported: IncidentEvent = {
  type: 'IncidentReported',
  data: {
    incidentId: ID,
    agencyCode: AGENCY,
    discoveredAt: '2025-07-01T01:10:00.000Z',
    suspected: true,
    summary: '承辦人電腦疑遭惡意程式感染,可能外洩查詢結果檔',
    registrationIds: ['SWD001_2025_000123'],
    obtainedDataRecordIds: ['SWD001_2025_OD_001'],
    duty: { kind: 'NOTIFY_BLI_OF_INCIDENT', rule: '要點 十二(十)', dueAt: '2025-07-01T02:10:00.000Z' },
  },
};
const action = (a: 'EMERGENCY_RESPONSE' | 'INVESTIGATION' | 'RESPONSIBILITY' | 'CONTAINMENT'): IncidentEvent => ({
  type: 'IncidentActionRecorded',
  data: { incidentId: ID, agencyCode: AGENCY, action: a, takenAt: '2025-07-01T01:20:00.000Z', summary: '已處置' },
});
const notified = (notifiedAt: string, first = true): IncidentEvent => ({
  type: 'BliNotifiedOfIncident',
  data: { incidentId: ID, agencyCode: AGENCY, notifiedAt, channel: 'EMAIL', reference: null, materialsProvided: null, onTime: notifiedAt <= '2025-07-01T02:10:00.000Z', meetsDuty: first ? 'NOTIFY_BLI_OF_INCIDENT' : null },
});
const notify = { type: 'NotifyBliOfIncident', incidentId: ID, channel: 'EMAIL', reference: '勞保局資安窗口信箱', materialsProvided: '事故通報單' } as const;

describe('incident decider (要點 十二(十))', () => {
  it('要點 十二(十): a suspected incident is recorded at its discovery, and BLI is due to be notified 即時 — within the hour by default', () =>
    given([], at('2025-07-01T01:10:00.000Z')).when(report()).then([reported]));

  it('要點 十二(十): 即時 may be configured stricter (minutes), never looser than the hour', () => {
    expect(incidentNoticeDueAt(DISCOVERED)).toBe('2025-07-01T02:10:00.000Z');
    expect(incidentNoticeDueAt(DISCOVERED, 15)).toBe('2025-07-01T01:25:00.000Z');
    expect(() => incidentNoticeDueAt(DISCOVERED, 61)).toThrow(/never looser/);
    expect(() => incidentNoticeDueAt(DISCOVERED, 0)).toThrow();
    given([], at('2025-07-01T01:10:00.000Z'))
      .when(report({ noticeMinutes: 30 }))
      .then([{ ...reported, data: { ...(reported.data as object), duty: { kind: 'NOTIFY_BLI_OF_INCIDENT', rule: '要點 十二(十)', dueAt: '2025-07-01T01:40:00.000Z' } } } as IncidentEvent]);
  });

  it('要點 十二(十): an incident is reported once; the summary is required; ids are stream-safe', () => {
    given([reported]).when(report()).thenThrows('INCIDENT_ALREADY_REPORTED', '要點 十二(十)');
    given([]).when(report({ summary: ' ' })).thenThrows('VALIDATION_FAILED');
    given([]).when(report({ registrationIds: ['a-b'] })).thenThrows('VALIDATION_FAILED');
    given([]).when(report({ incidentId: 'x.y-z' })).thenThrows('VALIDATION_FAILED');
  });

  it('要點 十二(十): emergency response, investigation, responsibility and containment are recorded at the time they are taken', () =>
    given([reported], at('2025-07-01T01:20:00.000Z')).when({ type: 'RecordIncidentAction', incidentId: ID, action: 'CONTAINMENT', summary: '已處置' }).then([action('CONTAINMENT')]));

  it('要點 十二(十): the first notice of BLI meets the duty, on time within the hour; a later one provides more materials and meets nothing', () => {
    given([reported], at('2025-07-01T02:00:00.000Z'))
      .when(notify)
      .then([{ type: 'BliNotifiedOfIncident', data: { incidentId: ID, agencyCode: AGENCY, notifiedAt: '2025-07-01T02:00:00.000Z', channel: 'EMAIL', reference: '勞保局資安窗口信箱', materialsProvided: '事故通報單', onTime: true, meetsDuty: 'NOTIFY_BLI_OF_INCIDENT' } }]);
    given([reported], at('2025-07-01T02:10:00.001Z')).when(notify).then([expect.objectContaining({ data: expect.objectContaining({ onTime: false, meetsDuty: 'NOTIFY_BLI_OF_INCIDENT' }) }) as unknown as IncidentEvent]);
    given([reported, notified('2025-07-01T02:00:00.000Z')], at('2025-07-03T02:00:00.000Z'))
      .when({ ...notify, materialsProvided: '事故調查報告' })
      .then([expect.objectContaining({ data: expect.objectContaining({ onTime: true, meetsDuty: null, materialsProvided: '事故調查報告' }) }) as unknown as IncidentEvent]);
    given([reported]).when({ ...notify, channel: 'PIGEON' as never }).thenThrows('VALIDATION_FAILED');
  });

  it('要點 十二(十): a confirmed incident closes only after every step and the BLI notice; a suspicion that proved none after its investigation', () => {
    const close = { type: 'CloseIncident', incidentId: ID, conclusion: 'CONFIRMED', summary: '已完成改善' } as const;
    given([reported, action('EMERGENCY_RESPONSE'), action('INVESTIGATION')]).when(close).thenThrows('INCIDENT_NOT_READY_TO_CLOSE', '要點 十二(十)');
    const all = [reported, action('EMERGENCY_RESPONSE'), action('INVESTIGATION'), action('RESPONSIBILITY'), action('CONTAINMENT')];
    given(all).when(close).thenThrows('INCIDENT_NOT_READY_TO_CLOSE');
    given([...all, notified('2025-07-01T02:00:00.000Z')], at('2025-07-05T02:00:00.000Z'))
      .when(close)
      .then([{ type: 'IncidentClosed', data: { incidentId: ID, agencyCode: AGENCY, closedAt: '2025-07-05T02:00:00.000Z', conclusion: 'CONFIRMED', summary: '已完成改善' } }]);
    given([reported, action('INVESTIGATION'), notified('2025-07-01T02:00:00.000Z')])
      .when({ ...close, conclusion: 'NOT_AN_INCIDENT', summary: '經查非資安事故' })
      .then([expect.objectContaining({ type: 'IncidentClosed' }) as unknown as IncidentEvent]);
  });

  it('要點 十二(十): nothing is recorded on a closed incident, and nothing on one never reported', () => {
    const closed: IncidentEvent = { type: 'IncidentClosed', data: { incidentId: ID, agencyCode: AGENCY, closedAt: '2025-07-05T02:00:00.000Z', conclusion: 'NOT_AN_INCIDENT', summary: 's' } };
    given([reported, closed]).when(notify).thenThrows('INCIDENT_CLOSED', '要點 十二(十)');
    given([]).when(notify).thenThrows('NOT_FOUND');
  });
});
