// 要點 十二(二): a violation opens the joint audit as a major anomaly of the monthly check does: one rule, one default (30 days).
import type { JOINT_AUDIT_RULE } from '../checks/monthly-check.decider';
import type { IsoDate } from '../core/calendar';
import type { DomainEvent } from '../core/decider';
import { ValidationError } from '../core/domain-error';
import { assertIdSegment, streamIdOf } from '../core/stream-id';

/**
 * 要點 八 「非依機關分案規定」: a query under the agency's case assignment (分案) is lawful, so the
 * ledger records which accounts the agency's case system assigned to a case, and from when. Each
 * event carries the whole set of accounts assigned from `assignedFrom` on (an empty set: nobody, the
 * case closed), so the assignment at any time is the last event at or before it.
 */
export type CaseAssignmentRecorded = DomainEvent<
  'CaseAssignmentRecorded',
  {
    agencyCode: string;
    /** 案號 as the case system writes it; never personal data (a national ID inside is refused at the API). */
    caseNumber: string;
    /** Digest of agency and case number that names the stream (case numbers are not stream-id characters). */
    caseKey: string;
    accountIds: string[];
    /** UTC instant from which this set is assigned. */
    assignedFrom: string;
  }
>;

export type CaseAssignmentEvent = CaseAssignmentRecorded;

const CASE_KEY = /^[0-9a-f]{32}$/;

export function assertCaseKey(caseKey: unknown): asserts caseKey is string {
  if (typeof caseKey !== 'string' || !CASE_KEY.test(caseKey)) throw new ValidationError('caseKey', 'must be 32 lowercase hex digits');
}

export function caseAssignmentStreamId(agencyCode: string, caseKey: string): string {
  assertIdSegment(agencyCode, 'agencyCode');
  assertCaseKey(caseKey);
  return streamIdOf('caseassignment', `${agencyCode}.${caseKey}`);
}

/** Who the subject is to the holder of the account, as 政風 declares it (要點 八: 親屬、主管). */
export const RELATION_KINDS = ['RELATIVE', 'SUPERVISOR', 'OTHER'] as const;
export type RelationKind = (typeof RELATION_KINDS)[number];

/**
 * 要點 八: 政風's list of people a user must not look up outside an assigned case, kept per account.
 * The related person is the personal-data vault's random person id (from the blind index of their
 * number), so the list names nobody in clear, is never returned, and is erased with the vault's keys.
 */
export type RelationDeclared = DomainEvent<'RelationDeclared', { accountId: string; relatedPersonId: string; relation: RelationKind }>;

export type RelationWithdrawn = DomainEvent<'RelationWithdrawn', { accountId: string; relatedPersonId: string; reason: string }>;

export type RelationsEvent = RelationDeclared | RelationWithdrawn;

/** One list per account: the stream is named by the account id, so no person id reaches a response. */
export const relationsStreamId = (accountId: string) => streamIdOf('relations', accountId);

export const INVESTIGATION_CONCLUSIONS = ['JUSTIFIED', 'VIOLATION', 'UNFOUNDED'] as const;
export type InvestigationConclusion = (typeof INVESTIGATION_CONCLUSIONS)[number];

export const EVIDENCE_KINDS = ['LEDGER_EVENT', 'DOCUMENT', 'OTHER'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];


export interface JointAuditOpened {
  /** Random UUID: the obligation JOINT_AUDIT_REPORT is filed under it, and the report names it. */
  jointAuditId: string;
  agencyCode: string;
  rule: typeof JOINT_AUDIT_RULE;
  dueDate: IsoDate;
}

/** 政風 opens an investigation on one or more anomalies of one agency (要點 八、十二(二)). */
export type InvestigationOpened = DomainEvent<
  'InvestigationOpened',
  { investigationId: string; agencyCode: string; anomalyIds: string[]; title: string }
>;

export type InvestigationNoteAdded = DomainEvent<'InvestigationNoteAdded', { investigationId: string; noteNo: number; text: string }>;

export type InvestigationEvidenceAdded = DomainEvent<
  'InvestigationEvidenceAdded',
  { investigationId: string; evidenceNo: number; kind: EvidenceKind; /** A ledger position, a document number: never personal data. */ reference: string; description: string }
>;

/**
 * Anomalies are flags, never verdicts: only this event says whether a query was justified (e.g. under
 * an assignment the case system sent late), a violation, or unfounded. A violation opens the joint
 * audit of 要點 十二(二).
 */
export type InvestigationConcluded = DomainEvent<
  'InvestigationConcluded',
  {
    investigationId: string;
    agencyCode: string;
    anomalyIds: string[];
    conclusion: InvestigationConclusion;
    summary: string;
    jointAudit: JointAuditOpened | null;
  }
>;

export type InvestigationEvent = InvestigationOpened | InvestigationNoteAdded | InvestigationEvidenceAdded | InvestigationConcluded;

export const investigationStreamId = (investigationId: string) => {
  assertIdSegment(investigationId, 'investigationId');
  return streamIdOf('investigation', investigationId);
};

/** Anomaly ids are `<KIND>:<position>[:<variant>]`: made by the detector projection, usable in URLs and stream data. */
export const ANOMALY_ID = /^[A-Z_]{4,32}:\d{1,19}(:[A-Z0-9_]{1,32})?$/;
