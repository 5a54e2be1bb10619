import { IsoDate, taipeiDateOf } from '../core/calendar';
import type { Decider, DomainEvent } from '../core/decider';
import { NotFoundError, ValidationError } from '../core/domain-error';
import { refuse, requireText } from '../core/guards';
import { streamIdOf } from '../core/stream-id';
import { reportDays } from '../checks/monthly-check.decider';
import { AuditFinding, AuditFindingInput, BREACH_REPORT_DAYS, breachReportDueDate, BreachReviewReportSubmitted, decideBreachReview, numberFindings, SubmitBreachReviewReport } from './findings';

/**
 * 要點 十二(二): after a major anomaly the requester's checker audits together with the ethics (政風)
 * and IT units and reports. The audit is opened elsewhere (a monthly check's major anomaly, or an
 * ethics investigation concluded as a violation), each with a random `jointAuditId`; the report
 * lives in its own stream.
 */
export type JointAuditReportFiled = DomainEvent<
  'JointAuditReportFiled',
  {
    jointAuditId: string;
    agencyCode: string;
    checkerPersonId: string;
    ethicsUnit: string;
    itUnit: string;
    conclusion: string;
    findings: AuditFinding[];
    /** Taipei day the report was filed. */
    filedOn: IsoDate;
    breachReportDueDate: IsoDate | null;
  }
>;

export type JointAuditEvent = JointAuditReportFiled | BreachReviewReportSubmitted;

/** `opened`: the joint audit as the ledger knows it (agency that owes the report), loaded by the handler; null when unknown. */
export interface FileJointAuditReport {
  type: 'FileJointAuditReport';
  jointAuditId: string;
  opened: { agencyCode: string } | null;
  checkerPersonId: string;
  ethicsUnit: string;
  itUnit: string;
  conclusion: string;
  findings: AuditFindingInput[];
  /** From configuration (not the request): days to the breach review report, default 30. */
  breachReportDays?: number;
}

export type JointAuditCommand = FileJointAuditReport | (SubmitBreachReviewReport & { jointAuditId: string });

export type JointAuditState =
  | { status: 'NONE' }
  | { status: 'FILED'; agencyCode: string; findings: AuditFinding[]; reviewed: number[]; filedOn: IsoDate };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const JOINT_AUDIT_REPORT_RULE = '要點 十二(二)';

/** Stream ids have one dash, so the UUID is written without its own. */
export function jointAuditStreamId(jointAuditId: string): string {
  if (typeof jointAuditId !== 'string' || !UUID.test(jointAuditId.toLowerCase())) throw new ValidationError('jointAuditId', 'must be a UUID');
  return streamIdOf('jointaudit', jointAuditId.toLowerCase().replace(/-/g, ''));
}

export const jointAuditDecider: Decider<JointAuditCommand, JointAuditEvent, JointAuditState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    switch (event.type) {
      case 'JointAuditReportFiled':
        return { status: 'FILED', agencyCode: event.data.agencyCode, findings: event.data.findings, reviewed: [], filedOn: event.data.filedOn };
      case 'BreachReviewReportSubmitted':
        return state.status === 'NONE' ? state : { ...state, reviewed: [...state.reviewed, event.data.findingNo] };
      default:
        return state;
    }
  },

  decide(command, state, context) {
    const streamId = jointAuditStreamId(command.jointAuditId);
    if (command.type === 'SubmitBreachReviewReport') {
      if (state.status === 'NONE') throw new NotFoundError('joint audit report', command.jointAuditId);
      return [decideBreachReview(command, { streamId, agencyCode: state.agencyCode, findings: state.findings, reviewed: state.reviewed, filedOn: state.filedOn }, context.now)];
    }
    if (!command.opened) throw new NotFoundError('joint audit', command.jointAuditId);
    if (state.status !== 'NONE') refuse('JOINT_AUDIT_REPORT_ALREADY_FILED', JOINT_AUDIT_REPORT_RULE, 'the joint audit has its report already');
    const findings = numberFindings(command.findings);
    return [
      {
        type: 'JointAuditReportFiled',
        data: {
          jointAuditId: command.jointAuditId.toLowerCase(),
          agencyCode: command.opened.agencyCode,
          checkerPersonId: requireText(command.checkerPersonId, 'checkerPersonId'),
          ethicsUnit: requireText(command.ethicsUnit, 'ethicsUnit'),
          itUnit: requireText(command.itUnit, 'itUnit'),
          conclusion: requireText(command.conclusion, 'conclusion'),
          findings,
          filedOn: taipeiDateOf(context.occurredAt),
          breachReportDueDate: breachReportDueDate(findings, context.occurredAt, reportDays(command.breachReportDays, BREACH_REPORT_DAYS, 'breachReportDays')),
        },
      },
    ];
  },
};
