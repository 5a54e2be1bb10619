import type { AgencyState } from '../agency/agency.decider';
import { addDays, assertIsoDate, IsoDate, taipeiDateOf } from '../core/calendar';
import type { DomainEvent } from '../core/decider';
import { ValidationError } from '../core/domain-error';
import { optionalText, refuse, requireText } from '../core/guards';

/** 要點 十二(四): an audit's findings; a breach of the 要點 must be corrected and reviewed. */
export interface AuditFinding {
  findingNo: number;
  description: string;
  /** A breach of the 要點: corrected at once, with a review report to the competent authority. */
  breach: boolean;
  /** The 要點 point breached, when one is named. */
  rule: string | null;
}

export interface AuditFindingInput {
  description: string;
  breach: boolean;
  rule?: string | null;
}

export const BREACH_RULE = '要點 十二(四)';
/** 要點 十二(四) says "at once" for the correction and names no period for the report: 30 days is this project's default. */
export const BREACH_REPORT_DAYS = 30;

/** Numbered 1…n in the order given, so a review report can name the finding it answers. */
export function numberFindings(findings: unknown): AuditFinding[] {
  if (!Array.isArray(findings)) throw new ValidationError('findings', 'must be a list (empty when nothing was found)');
  return (findings as AuditFindingInput[]).map((f, i) => {
    if (typeof f !== 'object' || f === null) throw new ValidationError(`findings.${i}`, 'must be an object');
    if (typeof f.breach !== 'boolean') throw new ValidationError(`findings.${i}.breach`, 'must be true or false');
    return { findingNo: i + 1, description: requireText(f.description, `findings.${i}.description`), breach: f.breach, rule: optionalText(f.rule) };
  });
}

/** The breach report is due `days` (default 30) after the report that found the breach (Asia/Taipei day); null without a breach. */
export function breachReportDueDate(findings: readonly AuditFinding[], occurredAt: Date, days: number = BREACH_REPORT_DAYS): IsoDate | null {
  return findings.some((f) => f.breach) ? addDays(taipeiDateOf(occurredAt), days) : null;
}

/**
 * The correction and review report of one breach, on the stream of the report that found it (an
 * audit or a joint audit), sent to the competent authority by the body in breach.
 */
export type BreachReviewReportSubmitted = DomainEvent<
  'BreachReviewReportSubmitted',
  {
    /** The stream of the audit or joint-audit report whose finding this answers. */
    reportStreamId: string;
    agencyCode: string;
    findingNo: number;
    correctedOn: IsoDate;
    correction: string;
    review: string;
    competentAuthorityCode: string;
  }
>;

export interface SubmitBreachReviewReport {
  type: 'SubmitBreachReviewReport';
  findingNo: number;
  correctedOn: string;
  correction: string;
  review: string;
  competentAuthorityCode: string;
  competentAuthority: AgencyState;
}

/** Shared by audits and joint audits: the finding must be a breach not yet reviewed. */
export function decideBreachReview(
  command: SubmitBreachReviewReport,
  report: { streamId: string; agencyCode: string; findings: readonly AuditFinding[]; reviewed: readonly number[]; filedOn: IsoDate },
  now: Date,
): BreachReviewReportSubmitted {
  const finding = report.findings.find((f) => f.findingNo === command.findingNo);
  if (!finding) throw new ValidationError('findingNo', 'must name a finding of the report');
  if (!finding.breach) refuse('FINDING_NOT_A_BREACH', BREACH_RULE, 'a review report answers a finding that is a breach of the 要點');
  if (report.reviewed.includes(finding.findingNo)) refuse('BREACH_REVIEW_ALREADY_SUBMITTED', BREACH_RULE, 'this breach has its review report already');
  assertIsoDate(command.correctedOn, 'correctedOn');
  if (command.correctedOn < report.filedOn || command.correctedOn > taipeiDateOf(now)) {
    throw new ValidationError('correctedOn', 'must lie between the report that found the breach and today (Asia/Taipei)');
  }
  const ca = command.competentAuthority;
  if (!ca.registered || ca.role !== 'COMPETENT_AUTHORITY') {
    refuse('REVIEW_RECIPIENT_NOT_COMPETENT_AUTHORITY', BREACH_RULE, 'the review report goes to the competent authority (權責管理機關)');
  }
  return {
    type: 'BreachReviewReportSubmitted',
    data: {
      reportStreamId: report.streamId,
      agencyCode: report.agencyCode,
      findingNo: finding.findingNo,
      correctedOn: command.correctedOn,
      correction: requireText(command.correction, 'correction'),
      review: requireText(command.review, 'review'),
      competentAuthorityCode: command.competentAuthorityCode,
    },
  };
}
