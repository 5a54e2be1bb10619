import type { AgencyState } from '../agency/agency.decider';
import { assertIsoDate, IsoDate, taipeiDateOf } from '../core/calendar';
import type { Decider, DomainEvent } from '../core/decider';
import { NotFoundError, ValidationError } from '../core/domain-error';
import { refuse, requireOneOf, requireText } from '../core/guards';
import { streamIdOf } from '../core/stream-id';
import { reportDays } from '../checks/monthly-check.decider';
import { AuditFinding, AuditFindingInput, BREACH_REPORT_DAYS, breachReportDueDate, BreachReviewReportSubmitted, decideBreachReview, numberFindings, SubmitBreachReviewReport } from './findings';

/**
 * 要點 十二(三): each body's yearly self-audit, which must include its work with BLI data, and the
 * competent authority's audit of a requester agency together with the central admin, which may
 * propose rewards or penalties.
 */
export const AUDIT_KINDS = ['SELF_AUDIT', 'REQUESTER_AUDIT'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
export const PROPOSAL_KINDS = ['REWARD', 'PENALTY'] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];

export interface AuditProposal {
  kind: ProposalKind;
  text: string;
}

/** The audit record of 要點 十二(四), kept five years (十二(十一)). */
export type AuditReportFiled = DomainEvent<
  'AuditReportFiled',
  {
    auditId: string;
    kind: AuditKind;
    auditedAgencyCode: string;
    /** The bodies that audited: the audited body itself, or the competent authority and the central admin. */
    auditingAgencyCodes: string[];
    periodFrom: IsoDate;
    periodTo: IsoDate;
    coversBliDataWork: boolean;
    summary: string;
    findings: AuditFinding[];
    proposals: AuditProposal[];
    /** Taipei day the report was filed. */
    filedOn: IsoDate;
    /** 要點 十二(四): when a breach was found, its review report is due by this Taipei day. */
    breachReportDueDate: IsoDate | null;
  }
>;

export type AuditEvent = AuditReportFiled | BreachReviewReportSubmitted;

/** The handler loads the audited agency and, for a requester audit, the central admin named and the body the caller signs for. */
export interface FileAuditReport {
  type: 'FileAuditReport';
  auditId: string;
  kind: AuditKind;
  auditedAgencyCode: string;
  auditedAgency: AgencyState;
  /** REQUESTER_AUDIT: the competent authority the caller acts for. */
  competentAuthorityCode?: string;
  /** REQUESTER_AUDIT: the central admin auditing with it, and its state. */
  centralAdminCode?: string;
  centralAdmin?: AgencyState;
  periodFrom: string;
  periodTo: string;
  coversBliDataWork: boolean;
  summary: string;
  findings: AuditFindingInput[];
  proposals?: AuditProposal[];
  /** From configuration (not the request): days to the breach review report, default 30. */
  breachReportDays?: number;
}

export type AuditCommand = FileAuditReport | (SubmitBreachReviewReport & { auditId: string });

export type AuditState =
  | { status: 'NONE' }
  | { status: 'FILED'; auditId: string; kind: AuditKind; auditedAgencyCode: string; findings: AuditFinding[]; reviewed: number[]; filedOn: IsoDate };

export const AUDIT_RULE = '要點 十二(三)';

export const auditStreamId = (auditId: string) => streamIdOf('audit', auditId);

export const auditDecider: Decider<AuditCommand, AuditEvent, AuditState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    switch (event.type) {
      case 'AuditReportFiled': {
        const d = event.data;
        return { status: 'FILED', auditId: d.auditId, kind: d.kind, auditedAgencyCode: d.auditedAgencyCode, findings: d.findings, reviewed: [], filedOn: d.filedOn };
      }
      case 'BreachReviewReportSubmitted':
        return state.status === 'NONE' ? state : { ...state, reviewed: [...state.reviewed, event.data.findingNo] };
      default:
        return state;
    }
  },

  decide(command, state, context) {
    const streamId = auditStreamId(command.auditId);
    if (command.type === 'SubmitBreachReviewReport') {
      if (state.status === 'NONE') throw new NotFoundError('audit', command.auditId);
      return [decideBreachReview(command, { streamId, agencyCode: state.auditedAgencyCode, findings: state.findings, reviewed: state.reviewed, filedOn: state.filedOn }, context.now)];
    }

    if (state.status !== 'NONE') refuse('AUDIT_ALREADY_FILED', AUDIT_RULE, `audit ${command.auditId} has its report already`);
    const kind = requireOneOf(command.kind, AUDIT_KINDS, 'kind');
    assertIsoDate(command.periodFrom, 'periodFrom');
    assertIsoDate(command.periodTo, 'periodTo');
    if (command.periodFrom > command.periodTo) throw new ValidationError('periodFrom', 'must not be after periodTo');
    if (command.periodTo > taipeiDateOf(context.now)) throw new ValidationError('periodTo', 'must not lie in the future (Asia/Taipei)');
    // 要點 十二(三): 並應包含使用勞保局資料作業.
    if (command.coversBliDataWork !== true) refuse('AUDIT_MUST_COVER_BLI_DATA_WORK', AUDIT_RULE, "the audit must include the body's work with BLI data");
    const audited = command.auditedAgency;
    if (!audited.registered) refuse('AUDITED_AGENCY_NOT_REGISTERED', AUDIT_RULE, 'the audited agency is not registered');
    const proposals = (command.proposals ?? []).map((p, i) => ({ kind: requireOneOf(p?.kind, PROPOSAL_KINDS, `proposals.${i}.kind`), text: requireText(p?.text, `proposals.${i}.text`) }));
    let auditingAgencyCodes: string[];
    if (kind === 'SELF_AUDIT') {
      if (proposals.length > 0) refuse('AUDIT_PROPOSAL_NOT_APPLICABLE', AUDIT_RULE, 'rewards or penalties are proposed by the competent authority when it audits a requester agency');
      auditingAgencyCodes = [command.auditedAgencyCode];
    } else {
      if (audited.role !== 'DATA_REQUESTER') refuse('AUDIT_SUBJECT_NOT_REQUESTER', AUDIT_RULE, 'the competent authority and the central admin audit data-requester agencies');
      const ca = command.centralAdmin;
      if (!command.centralAdminCode || !ca?.registered || ca.role !== 'CENTRAL_ADMIN') {
        refuse('REQUESTER_AUDIT_NEEDS_CENTRAL_ADMIN', AUDIT_RULE, 'the competent authority audits a requester agency together with the central admin (總管理機關)');
      }
      auditingAgencyCodes = [requireText(command.competentAuthorityCode, 'competentAuthorityCode'), command.centralAdminCode];
    }
    const findings = numberFindings(command.findings);
    return [
      {
        type: 'AuditReportFiled',
        data: {
          auditId: command.auditId,
          kind,
          auditedAgencyCode: command.auditedAgencyCode,
          auditingAgencyCodes,
          periodFrom: command.periodFrom,
          periodTo: command.periodTo,
          coversBliDataWork: true,
          summary: requireText(command.summary, 'summary'),
          findings,
          proposals,
          filedOn: taipeiDateOf(context.occurredAt),
          breachReportDueDate: breachReportDueDate(findings, context.occurredAt, reportDays(command.breachReportDays, BREACH_REPORT_DAYS, 'breachReportDays')),
        },
      },
    ];
  },
};
