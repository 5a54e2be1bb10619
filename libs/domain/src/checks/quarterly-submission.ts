import type { AgencyState } from '../agency/agency.decider';
import type { Decider, DomainEvent } from '../core/decider';
import { refuse } from '../core/guards';
import { assertIdSegment, streamIdOf } from '../core/stream-id';
import { assertQuarter, monthEnd, monthsOfQuarter, type Quarter, type TaipeiMonth } from '../core/calendar';

/** A monthly check record as the submission lists it. */
export interface SubmittedMonthlyCheck {
  month: TaipeiMonth;
  population: number;
  sampleSize: number;
  /** Revision of the monthly check stream at its sign-off: the record submitted, exactly. */
  signedOffRevision: number;
}

/**
 * 要點 十二(一): the monthly check records go to the competent authority every three months. A
 * submission lists the records it contains; `complete` once every month the agency owed is in
 * this or an earlier submission — a missing monthly record keeps the quarter's duty open.
 */
export type QuarterlyCheckRecordsSubmitted = DomainEvent<
  'QuarterlyCheckRecordsSubmitted',
  {
    agencyCode: string;
    quarter: Quarter;
    competentAuthorityCode: string;
    checks: SubmittedMonthlyCheck[];
    /** Months owed and not yet submitted, in this or any earlier submission. */
    missingMonths: TaipeiMonth[];
    complete: boolean;
  }
>;

export type QuarterlySubmissionEvent = QuarterlyCheckRecordsSubmitted;

/** The handler loads which of the quarter's monthly checks are signed off, the agency and the recipient. */
export interface SubmitQuarterlyCheckRecords {
  type: 'SubmitQuarterlyCheckRecords';
  agencyCode: string;
  quarter: string;
  competentAuthorityCode: string;
  competentAuthority: AgencyState;
  /** When the agency was approved for WebIR (UTC): months that ended before it were not owed. */
  approvedAt: string | null;
  /** The quarter's signed-off monthly checks. */
  signedOff: SubmittedMonthlyCheck[];
}

export interface QuarterlySubmissionState {
  submitted: TaipeiMonth[];
}

const RULE = '要點 十二(一)';

/** Months of the quarter the agency owed a check for: those that ended after its approval. */
export function monthsOwed(quarter: Quarter, approvedAt: string | null): TaipeiMonth[] {
  if (approvedAt === null) return [];
  return monthsOfQuarter(quarter).filter((m) => monthEnd(m) > approvedAt);
}

export const quarterlySubmissionStreamId = (agencyCode: string, quarter: string) => {
  assertIdSegment(agencyCode, 'agencyCode');
  assertQuarter(quarter);
  return streamIdOf('quarterlycheck', `${agencyCode}.${quarter.replace('-', '_')}`);
};

export const quarterlySubmissionDecider: Decider<SubmitQuarterlyCheckRecords, QuarterlySubmissionEvent, QuarterlySubmissionState> = {
  initialState: () => ({ submitted: [] }),
  evolve: (state, event) => ({ submitted: [...state.submitted, ...event.data.checks.map((c) => c.month)] }),

  decide(command, state, context) {
    const { agencyCode, quarter, competentAuthorityCode } = command;
    quarterlySubmissionStreamId(agencyCode, quarter);
    const months = monthsOfQuarter(quarter);
    if (context.now.toISOString() < monthEnd(months[2])) refuse('QUARTER_NOT_CLOSED', RULE, `${quarter} has not ended yet (Asia/Taipei)`);
    const ca = command.competentAuthority;
    if (!ca.registered || ca.role !== 'COMPETENT_AUTHORITY') {
      refuse('CHECK_RECORDS_RECIPIENT_NOT_COMPETENT_AUTHORITY', RULE, 'check records are sent to the competent authority (權責管理機關)');
    }
    const owed = monthsOwed(quarter, command.approvedAt);
    const fresh = command.signedOff.filter((c) => owed.includes(c.month) && !state.submitted.includes(c.month)).sort((a, b) => (a.month < b.month ? -1 : 1));
    if (fresh.length === 0) refuse('NO_CHECK_RECORDS_TO_SUBMIT', RULE, 'no signed-off monthly check record of the quarter is left to submit', { owed, submitted: state.submitted });
    const now = new Set([...state.submitted, ...fresh.map((c) => c.month)]);
    const missingMonths = owed.filter((m) => !now.has(m));
    return [{ type: 'QuarterlyCheckRecordsSubmitted', data: { agencyCode, quarter, competentAuthorityCode, checks: fresh, missingMonths, complete: missingMonths.length === 0 } }];
  },
};
