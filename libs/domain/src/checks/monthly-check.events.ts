import type { IsoDate } from '../core/calendar';
import type { DomainEvent } from '../core/decider';
import { assertIdSegment, streamIdOf } from '../core/stream-id';
import { assertMonth, type TaipeiMonth } from '../core/calendar';
import type { SAMPLING_ALGORITHM } from './sampling';

/** 要點 十二(一): what the checker finds when comparing a sampled logged query with its registration. */
export const COMPARISON_OUTCOMES = ['MATCH', 'MISMATCH', 'MISSING'] as const;
export type ComparisonOutcome = (typeof COMPARISON_OUTCOMES)[number];

/** The signed checkpoint whose root seeded the draw: the first the ledger signed after the month closed. */
export interface ClosingCheckpoint {
  origin: string;
  treeSize: number;
  /** Base64, as in the note. */
  rootHash: string;
  /** Global position of its CheckpointIssued event. */
  position: string;
  /** Ledger time it was signed (UTC): at or after the month's end. */
  recordedAt: string;
  /** The C2SP signed note itself, so the record can be checked with the pinned public key alone. */
  note: string;
}

/**
 * The draw, recorded with everything that went into it: anyone holding the checkpoint, the log
 * digests and the month's entry ids recomputes it (README "Recomputing a sample").
 */
export type MonthlySampleDrawn = DomainEvent<
  'MonthlySampleDrawn',
  {
    agencyCode: string;
    month: TaipeiMonth;
    algorithm: typeof SAMPLING_ALGORITHM;
    /** N, the month's logged queries; 0 is recorded as such. */
    population: number;
    sampleSize: number;
    populationDigest: string;
    logDigests: string[];
    checkpoint: ClosingCheckpoint;
    seed: string;
    /** Entry ids in draw order. */
    sample: string[];
  }
>;

export type SampleEntryCompared = DomainEvent<
  'SampleEntryCompared',
  {
    agencyCode: string;
    month: TaipeiMonth;
    entryId: string;
    outcome: ComparisonOutcome;
    /** The registration compared with; null when none was found (MISSING). */
    registrationId: string | null;
    note: string | null;
    majorAnomaly: boolean;
  }
>;

/** 要點 十二(二): a major anomaly opens a joint audit by the checker with the ethics and IT units. */
export type MajorAnomalyFound = DomainEvent<
  'MajorAnomalyFound',
  { agencyCode: string; month: TaipeiMonth; entryId: string; jointAuditId: string; reportDueDate: IsoDate; rule: string }
>;

export type MonthlyCheckSignedOff = DomainEvent<
  'MonthlyCheckSignedOff',
  {
    agencyCode: string;
    month: TaipeiMonth;
    /** The agency's dedicated staff member who did the check (要點 十(一)). */
    checkerPersonId: string;
    population: number;
    sampleSize: number;
    outcomes: Record<ComparisonOutcome, number>;
    jointAuditIds: string[];
  }
>;

export type MonthlyCheckEvent = MonthlySampleDrawn | SampleEntryCompared | MajorAnomalyFound | MonthlyCheckSignedOff;

/** One stream per agency and month: `monthlycheck-SWD001.2025_03`. */
export function monthlyCheckStreamId(agencyCode: string, month: string): string {
  assertIdSegment(agencyCode, 'agencyCode');
  assertMonth(month);
  return streamIdOf('monthlycheck', `${agencyCode}.${month.replace('-', '_')}`);
}
