import type { RecordedEvent } from '@ledger/event-store/types';
import type { PackageDeadlines } from '../format';
import type { Period } from '../membership';

export interface SectionContext {
  agencyCode: string;
  period: Period;
  deadlines: PackageDeadlines;
}

/** One CSV row; `source` names the event it comes from (`stream@revision`), the CSV's last column. */
export interface SectionRow {
  cells: string[];
  source: string;
  /** Set for rows whose holder columns the generator fills from the key vault. */
  personId?: string;
}

export interface SectionResult {
  rows: SectionRow[];
  /** Figures the report states besides the row count (e.g. registrations per month); each is checked. */
  summary: string[];
}

export interface SectionBuilder {
  /** Every event of the package, upcast to today's schema, in global order. */
  accept(event: RecordedEvent): void;
  /** Async for builders that run a projection (its handlers are async). */
  finish(): SectionResult | Promise<SectionResult>;
}

/**
 * One area of the report and its CSV. A builder is a pure fold over the package's events, so the
 * verifier runs the very same code over events.jsonl and compares rows and counts with what the
 * generator wrote. To add an area: write one of these and list it in SECTIONS.
 */
export interface SectionDefinition {
  id: string;
  title: string;
  /** The 要點 point the section answers to. */
  rule: string;
  /** The CSV file in the package. */
  file: string;
  headers: string[];
  /** Holder columns (masked national ID, name) filled by the generator from the key vault: the verifier cannot recompute them. */
  holderColumns?: { nationalId: number; name: number };
  /** Columns the report's table shows; empty shows only the count and the summary. */
  reportColumns: number[];
  start(context: SectionContext): SectionBuilder;
}

// Joined into one flat string (a template literal keeps two chain links per row for as long as the row lives).
export const sourceOf = (e: { streamId: string; revision: number }) => [e.streamId, e.revision].join('@');
