import { givenFor } from '../../testing/given-when-then';
import { AGENCY } from '../../testing/test-fixtures';
import type { RecordBliInspection } from './inspection.commands';
import { inspectionDecider, webirServiceDecider } from './inspection.decider';
import type { InspectionEvent, WebIRServiceEvent } from './inspection.events';

const given = givenFor(inspectionDecider);
const service = givenFor(webirServiceDecider);
const ID = 'BLI_2025_SWD001';
const ROOT = 'q2SWaVQ9Ssn3bLWq1qa2gK0Y1b0M0nSE8F4Z3pXhB8o=';
const known = { 1204: ROOT };
const roster = { materialId: 'roster_1', kind: 'ROSTER', description: '使用者清冊(民國114年06月30日)', providedOn: '2025-07-01', checkpoint: { treeSize: 1204, rootHash: ROOT } } as const;
const at = (iso: string) => ({ occurredAt: new Date(iso) });

const recordCmd = (overrides: Partial<RecordBliInspection> = {}): RecordBliInspection => ({
  type: 'RecordBliInspection', inspectionId: ID, agencyCode: AGENCY, startedOn: '2025-07-01', scope: '勞保WebIR使用情形實地稽核', materials: [roster], knownCheckpoints: known, ...overrides,
});
const recorded: InspectionEvent = {
  type: 'BliInspectionRecorded',
  data: { inspectionId: ID, agencyCode: AGENCY, startedOn: '2025-07-01', scope: '勞保WebIR使用情形實地稽核', materials: [{ ...roster, checkpoint: { ...roster.checkpoint } }] },
};
const requested: InspectionEvent = {
  type: 'BliActionRequested',
  data: { inspectionId: ID, agencyCode: AGENCY, requestId: 'req_1', kind: 'IMPROVEMENT', receivedOn: '2025-07-10', summary: '查詢登記表缺漏,限期改善', duty: { kind: 'BLI_REQUESTED_ACTION', rule: '要點 十二(五)(六)', dueDate: '2025-08-10' } },
};

describe('BLI inspection decider (要點 十二(五))', () => {
  it('要點 十二(五): an inspection is recorded with the roster and audit records provided, each naming the signed checkpoint it was drawn from', () =>
    given([]).when(recordCmd()).then([recorded]));

  it('要點 十二(五): a roster or audit record without a checkpoint, or with one the ledger never signed, is refused', () => {
    given([]).when(recordCmd({ materials: [{ ...roster, checkpoint: null }] })).thenThrows('INSPECTION_MATERIAL_NEEDS_CHECKPOINT', '要點 十二(五)');
    given([]).when(recordCmd({ materials: [{ ...roster, checkpoint: { treeSize: 1204, rootHash: 'AAAA' } }] })).thenThrows('INSPECTION_CHECKPOINT_UNKNOWN', '要點 十二(五)');
    given([]).when(recordCmd({ materials: [{ ...roster, checkpoint: { treeSize: 999, rootHash: ROOT } }] })).thenThrows('INSPECTION_CHECKPOINT_UNKNOWN');
    // Other material needs none.
    given([]).when(recordCmd({ materials: [{ ...roster, kind: 'OTHER', checkpoint: null }] })).then([expect.objectContaining({ type: 'BliInspectionRecorded' }) as unknown as InspectionEvent]);
    given([]).when(recordCmd({ materials: [roster, roster] })).thenThrows('INSPECTION_MATERIAL_DUPLICATE');
    given([recorded]).when(recordCmd()).thenThrows('INSPECTION_ALREADY_RECORDED');
  });

  it('要點 十二(五): more materials may be provided later; none twice', () => {
    const audit = { ...roster, materialId: 'audit_1', kind: 'AUDIT_RECORDS' as const, description: '稽核紀錄' };
    given([recorded]).when({ type: 'ProvideInspectionMaterials', inspectionId: ID, materials: [audit], knownCheckpoints: known }).then([{ type: 'InspectionMaterialsProvided', data: { inspectionId: ID, agencyCode: AGENCY, materials: [audit] } }]);
    given([recorded]).when({ type: 'ProvideInspectionMaterials', inspectionId: ID, materials: [roster], knownCheckpoints: known }).thenThrows('INSPECTION_MATERIAL_DUPLICATE');
    given([]).when({ type: 'ProvideInspectionMaterials', inspectionId: ID, materials: [audit], knownCheckpoints: known }).thenThrows('NOT_FOUND');
  });

  it('要點 十二(五)(六): a request for an explanation or an improvement is due on the date BLI set', () => {
    const request = { type: 'RecordBliRequest', inspectionId: ID, requestId: 'req_1', kind: 'IMPROVEMENT', receivedOn: '2025-07-10', dueDate: '2025-08-10', summary: '查詢登記表缺漏,限期改善' } as const;
    given([recorded]).when(request).then([requested]);
    given([recorded]).when({ ...request, kind: 'EXPLANATION' }).then([expect.objectContaining({ data: expect.objectContaining({ duty: { kind: 'BLI_REQUESTED_ACTION', rule: '要點 十二(五)', dueDate: '2025-08-10' } }) }) as unknown as InspectionEvent]);
    given([recorded]).when({ ...request, dueDate: '2025-07-09' }).thenThrows('VALIDATION_FAILED');
    given([recorded, requested]).when(request).thenThrows('BLI_REQUEST_DUPLICATE');
  });

  it("要點 十二(五): the agency's answer meets the request, on time by the end of the set day (Asia/Taipei); a second answer is refused", () => {
    const answer = { type: 'AnswerBliRequest', inspectionId: ID, requestId: 'req_1', summary: '已補正登記表並加強教育訓練', evidence: '改善報告' } as const;
    given([recorded, requested], at('2025-08-10T15:59:59.999Z'))
      .when(answer)
      .then([{ type: 'BliRequestAnswered', data: { inspectionId: ID, agencyCode: AGENCY, requestId: 'req_1', answeredAt: '2025-08-10T15:59:59.999Z', summary: '已補正登記表並加強教育訓練', evidence: '改善報告', onTime: true, meetsDuty: 'BLI_REQUESTED_ACTION' } }]);
    given([recorded, requested], at('2025-08-10T16:00:00.000Z')).when(answer).then([expect.objectContaining({ data: expect.objectContaining({ onTime: false }) }) as unknown as InspectionEvent]);
    given([recorded]).when(answer).thenThrows('BLI_REQUEST_UNKNOWN', '要點 十二(五)');
    const answered: InspectionEvent = { type: 'BliRequestAnswered', data: { inspectionId: ID, agencyCode: AGENCY, requestId: 'req_1', answeredAt: '2025-08-01T00:00:00.000Z', summary: 's', evidence: null, onTime: true, meetsDuty: 'BLI_REQUESTED_ACTION' } };
    given([recorded, requested, answered]).when(answer).thenThrows('BLI_REQUEST_ALREADY_ANSWERED');
  });
});

describe('WebIR service decider (要點 十二(六)(七))', () => {
  const suspend = { type: 'SuspendWebIRService', agencyCode: AGENCY, effectiveAt: '2025-09-01T00:00:00+08:00', reason: '屆期未完成改善', reference: '勞保局函', inspectionId: ID } as const;
  const suspended: WebIRServiceEvent = { type: 'WebIRServiceSuspended', data: { agencyCode: AGENCY, effectiveAt: '2025-08-31T16:00:00.000Z', reason: '屆期未完成改善', reference: '勞保局函', inspectionId: ID } };
  const reapplied: WebIRServiceEvent = { type: 'WebIRServiceReapplied', data: { agencyCode: AGENCY, reappliedAt: '2025-09-15T02:00:00.000Z', improvements: '已完成改善', evidence: '改善報告', reference: null } };

  it('要點 十二(六): BLI suspends or terminates the service at an instant; nothing stops it twice', () => {
    service([]).when(suspend).then([suspended]);
    service([suspended]).when(suspend).thenThrows('WEBIR_SERVICE_ALREADY_STOPPED', '要點 十二(六)');
    service([suspended]).when({ ...suspend, type: 'TerminateWebIRService', effectiveAt: '2025-10-01T00:00:00+08:00' }).then([expect.objectContaining({ type: 'WebIRServiceTerminated' }) as unknown as WebIRServiceEvent]);
    service([]).when({ ...suspend, effectiveAt: '2025-09-01T00:00:00' }).thenThrows('VALIDATION_FAILED');
    service([suspended]).when({ ...suspend, type: 'TerminateWebIRService', effectiveAt: '2025-08-01T00:00:00+08:00' }).thenThrows('VALIDATION_FAILED');
  });

  it('要點 十二(七): once improved the agency reapplies with evidence, and only then does the service resume', () => {
    const reapply = { type: 'ReapplyForWebIRService', agencyCode: AGENCY, improvements: '已完成改善', evidence: '改善報告', reference: null } as const;
    service([]).when(reapply).thenThrows('WEBIR_SERVICE_NOT_STOPPED', '要點 十二(七)');
    service([suspended]).when({ ...reapply, evidence: ' ' }).thenThrows('VALIDATION_FAILED');
    service([suspended], at('2025-09-15T02:00:00.000Z')).when(reapply).then([reapplied]);
    const resume = { type: 'ResumeWebIRService', agencyCode: AGENCY, effectiveAt: '2025-10-01T09:00:00+08:00', reference: '勞保局函復' } as const;
    service([suspended]).when(resume).thenThrows('WEBIR_SERVICE_REAPPLICATION_REQUIRED', '要點 十二(七)');
    service([suspended, reapplied]).when(resume).then([{ type: 'WebIRServiceResumed', data: { agencyCode: AGENCY, effectiveAt: '2025-10-01T01:00:00.000Z', reference: '勞保局函復' } }]);
  });
});
