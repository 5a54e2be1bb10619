import type { AgencyState } from '../agency/agency.decider';
import type { ComparisonOutcome, ClosingCheckpoint } from './monthly-check.events';
import type { Sha256 } from './sampling';

/**
 * The handler loads the month's logged queries, the checkpoint that closed the month (or null when
 * none has been signed since the month ended) and the agency; the hash primitive comes with them
 * so the domain imports no crypto.
 */
export interface DrawMonthlySample {
  type: 'DrawMonthlySample';
  agencyCode: string;
  month: string;
  /** The seed the caller computed and expects (hex); a different one is refused. */
  expectedSeed?: string;
  closingCheckpoint: ClosingCheckpoint | null;
  logDigests: readonly string[];
  entryIds: readonly string[];
  /** WebIR log imports of the month started and not completed: their lines are not in entryIds yet. */
  importsIncomplete?: number;
  agency: AgencyState;
  sha256: Sha256;
}

export interface RecordSampleComparison {
  type: 'RecordSampleComparison';
  agencyCode: string;
  month: string;
  entryId: string;
  outcome: ComparisonOutcome;
  registrationId?: string | null;
  note?: string | null;
  majorAnomaly?: boolean;
  /** A fresh random id from the handler, used only when the comparison is a major anomaly. */
  jointAuditId: string;
  /** From configuration (not the request): days to the joint audit report, default 30. */
  jointAuditReportDays?: number;
}

export interface SignOffMonthlyCheck {
  type: 'SignOffMonthlyCheck';
  agencyCode: string;
  month: string;
  checkerPersonId: string;
  agency: AgencyState;
}

export type MonthlyCheckCommand = DrawMonthlySample | RecordSampleComparison | SignOffMonthlyCheck;
