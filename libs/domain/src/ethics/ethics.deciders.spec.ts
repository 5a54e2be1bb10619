import { givenFor } from '../../testing/given-when-then';
import { AGENCY, idOf, KEY_B, OTHER_AGENCY } from '../../testing/test-fixtures';
import { caseAssignmentDecider, RecordCaseAssignment } from './case-assignment.decider';
import type { CaseAssignmentRecorded, InvestigationConcluded, InvestigationOpened } from './ethics.events';
import { caseAssignmentStreamId, investigationStreamId } from './ethics.events';
import { AnomalyFacts, investigationDecider, OpenInvestigation } from './investigation.decider';
import { relationsDecider } from './relations.decider';

const user = idOf('USER');
const other = idOf('USER', KEY_B);
const CASE_KEY = 'c0'.repeat(16);

describe('case assignments (要點 八 「依機關分案規定」)', () => {
  const given = givenFor(caseAssignmentDecider);
  const assign = (overrides: Partial<RecordCaseAssignment> = {}): RecordCaseAssignment => ({
    type: 'RecordCaseAssignment', agencyCode: AGENCY, caseNumber: '114社救字第0123號', caseKey: CASE_KEY, accountIds: [user], assignedFrom: '2025-03-01T09:00:00+08:00', ...overrides,
  });
  const recorded = (accountIds: string[], assignedFrom = '2025-03-01T01:00:00.000Z'): CaseAssignmentRecorded => ({
    type: 'CaseAssignmentRecorded', data: { agencyCode: AGENCY, caseNumber: '114社救字第0123號', caseKey: CASE_KEY, accountIds, assignedFrom },
  });

  it('要點 八: the case system records which accounts work on a case from when (UTC)', () => given([]).when(assign()).then([recorded([user])]));
  it('要點 八: sending the same set again appends nothing; a new set replaces it, an empty set ends it', () => {
    given([recorded([user])]).when(assign()).then([]);
    given([recorded([user])]).when(assign({ accountIds: [other, user], assignedFrom: '2025-03-10T09:00:00+08:00' })).then([recorded([user, other].sort(), '2025-03-10T01:00:00.000Z')]);
    given([recorded([user])]).when(assign({ accountIds: [], assignedFrom: '2025-04-01T09:00:00+08:00' })).then([recorded([], '2025-04-01T01:00:00.000Z')]);
  });
  it('要點 八: a case is assigned only to accounts of its own agency', () =>
    given([]).when(assign({ accountIds: [idOf('USER', KEY_B, OTHER_AGENCY)] })).thenThrows('CASE_ASSIGNMENT_OTHER_AGENCY', '要點 八'));
  it('要點 八: an assignment never takes effect before the one recorded; a colliding case key is refused', () => {
    given([recorded([user])]).when(assign({ accountIds: [other], assignedFrom: '2025-02-01T09:00:00+08:00' })).thenThrows('CASE_ASSIGNMENT_OUT_OF_ORDER', '要點 八');
    given([recorded([user])]).when(assign({ caseNumber: '另一案號' })).thenThrows('CASE_ASSIGNMENT_CONFLICT');
  });
  it('bad input names the field: an offset-less time, a bad account id, a bad case key', () => {
    given([]).when(assign({ assignedFrom: '2025-03-01T09:00:00' })).thenThrows('VALIDATION_FAILED');
    given([]).when(assign({ accountIds: ['nope'] })).thenThrows('VALIDATION_FAILED');
    expect(() => caseAssignmentStreamId(AGENCY, 'XYZ')).toThrow('caseKey');
  });
});

describe('relations lists (要點 八 親屬、主管), per account, person ids only', () => {
  const given = givenFor(relationsDecider);
  const declared = (relatedPersonId: string, relation: 'RELATIVE' | 'SUPERVISOR' = 'RELATIVE') => ({
    type: 'RelationDeclared' as const, data: { accountId: user, relatedPersonId, relation },
  });
  const declare = (entries: { relatedPersonId: string; relation: 'RELATIVE' | 'SUPERVISOR' }[]) => ({ type: 'DeclareRelations' as const, holderPersonId: 'person_h', accountId: user, entries });

  it('要點 八: 政風 declares relatives and supervisors of a holder; a person already listed the same way appends nothing', () => {
    given([]).when(declare([{ relatedPersonId: 'person_r', relation: 'RELATIVE' }, { relatedPersonId: 'person_s', relation: 'SUPERVISOR' }])).then([declared('person_r'), declared('person_s', 'SUPERVISOR')]);
    given([declared('person_r')]).when(declare([{ relatedPersonId: 'person_r', relation: 'RELATIVE' }])).then([]);
  });
  it('要點 八: the holder is not their own relation (that is SELF_QUERY)', () =>
    given([]).when(declare([{ relatedPersonId: 'person_h', relation: 'RELATIVE' }])).thenThrows('RELATION_TO_SELF', '要點 八'));
  it('要點 八: a relation is withdrawn with a reason; one never declared is refused', () => {
    given([declared('person_r')]).when({ type: 'WithdrawRelation', accountId: user, relatedPersonId: 'person_r', reason: '誤登' }).then([
      { type: 'RelationWithdrawn', data: { accountId: user, relatedPersonId: 'person_r', reason: '誤登' } },
    ]);
    given([]).when({ type: 'WithdrawRelation', accountId: user, relatedPersonId: 'person_r', reason: '誤登' }).thenThrows('RELATION_NOT_DECLARED', '要點 八');
  });
});

describe('investigations (要點 八、十二(二))', () => {
  const given = givenFor(investigationDecider);
  const facts = (anomalyId: string, agencyCode = AGENCY, investigationId: string | null = null): AnomalyFacts => ({ anomalyId, agencyCode, investigationId });
  const open = (overrides: Partial<OpenInvestigation> = {}): OpenInvestigation => ({
    type: 'OpenInvestigation', investigationId: 'ETH_1', anomalyIds: ['SELF_QUERY:42:7'], title: '查詢己身', anomalies: [facts('SELF_QUERY:42:7')], ...overrides,
  });
  const opened: InvestigationOpened = { type: 'InvestigationOpened', data: { investigationId: 'ETH_1', agencyCode: AGENCY, anomalyIds: ['SELF_QUERY:42:7'], title: '查詢己身' } };
  const JOINT = '0b8e2a4c-1f3d-4e5a-9b7c-2d4e6f8a0b1c';
  const conclude = (conclusion: 'JUSTIFIED' | 'VIOLATION' | 'UNFOUNDED') => ({ type: 'ConcludeInvestigation' as const, investigationId: 'ETH_1', conclusion, summary: '經查', jointAuditId: JOINT });

  it('要點 八: 政風 opens an investigation on anomalies of one agency', () => given([]).when(open()).then([opened]));
  it('要點 八: only anomalies the ledger found, each under one investigation at a time', () => {
    given([]).when(open({ anomalies: [] })).thenThrows('ANOMALY_UNKNOWN', '要點 八');
    given([]).when(open({ anomalies: [facts('SELF_QUERY:42:7', AGENCY, 'ETH_0')] })).thenThrows('ANOMALY_ALREADY_INVESTIGATED');
    given([opened]).when(open()).thenThrows('INVESTIGATION_ALREADY_OPENED');
    given([]).when(open({ anomalyIds: ['nope'] })).thenThrows('VALIDATION_FAILED');
  });
  it('要點 十二(二): the joint audit is the agency’s, so one investigation covers one agency', () =>
    given([])
      .when(open({ anomalyIds: ['SELF_QUERY:42:7', 'BULK:43:1_HOUR'], anomalies: [facts('SELF_QUERY:42:7'), facts('BULK:43:1_HOUR', OTHER_AGENCY)] }))
      .thenThrows('ANOMALIES_OF_SEVERAL_AGENCIES', '要點 十二(二)'));
  it('notes and evidence references are numbered; nothing is added after the conclusion', () => {
    given([opened]).when({ type: 'AddInvestigationNote', investigationId: 'ETH_1', text: '約談當事人' }).then([
      { type: 'InvestigationNoteAdded', data: { investigationId: 'ETH_1', noteNo: 1, text: '約談當事人' } },
    ]);
    given([opened]).when({ type: 'AddInvestigationEvidence', investigationId: 'ETH_1', kind: 'DOCUMENT', reference: '政風室114字第12號', description: '簽呈' }).then([
      { type: 'InvestigationEvidenceAdded', data: { investigationId: 'ETH_1', evidenceNo: 1, kind: 'DOCUMENT', reference: '政風室114字第12號', description: '簽呈' } },
    ]);
    const concluded: InvestigationConcluded = { type: 'InvestigationConcluded', data: { investigationId: 'ETH_1', agencyCode: AGENCY, anomalyIds: ['SELF_QUERY:42:7'], conclusion: 'UNFOUNDED', summary: '經查', jointAudit: null } };
    given([opened, concluded]).when({ type: 'AddInvestigationNote', investigationId: 'ETH_1', text: 'x' }).thenThrows('INVESTIGATION_CONCLUDED', '要點 八');
    given([]).when({ type: 'AddInvestigationNote', investigationId: 'ETH_1', text: 'x' }).thenThrows('INVESTIGATION_NOT_OPENED');
  });
  it('要點 十二(二): a violation opens the joint audit, its report due 30 days after the Taipei day of the conclusion (project default)', () => {
    given([opened], { occurredAt: new Date('2025-07-01T17:00:00.000Z') }).when(conclude('VIOLATION')).then([
      {
        type: 'InvestigationConcluded',
        data: { investigationId: 'ETH_1', agencyCode: AGENCY, anomalyIds: ['SELF_QUERY:42:7'], conclusion: 'VIOLATION', summary: '經查', jointAudit: { jointAuditId: JOINT, agencyCode: AGENCY, rule: '要點 十二(二)', dueDate: '2025-08-01' } },
      },
    ]);
  });
  it('要點 八: justified or unfounded concludes without a joint audit', () => {
    given([opened]).when(conclude('JUSTIFIED')).then([
      { type: 'InvestigationConcluded', data: { investigationId: 'ETH_1', agencyCode: AGENCY, anomalyIds: ['SELF_QUERY:42:7'], conclusion: 'JUSTIFIED', summary: '經查', jointAudit: null } },
    ]);
  });
  it('stream ids come from the investigation id, an id segment', () => expect(() => investigationStreamId('A-1')).toThrow('investigationId'));
});
