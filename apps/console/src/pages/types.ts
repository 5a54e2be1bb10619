export interface EventRef {
  eventId: string;
  streamId: string;
  position: string;
  type: string;
}

export interface Obligation {
  obligationId: string;
  agencyCode: string;
  kind: string;
  rule: string;
  title: string;
  subject: string;
  dueDate: string;
  dueAt: string;
  createdAt: string;
  createdBy: EventRef;
  metAt: string | null;
  metBy: EventRef | null;
  state: 'open' | 'met' | 'overdue';
  metLate: boolean;
}

export interface ObligationsResponse {
  asOf: { kind: string; at: string; knownAt?: string };
  count: number;
  obligations: Obligation[];
  /** Cursor of the next page (`after`), null on the last. */
  next: string | null;
}

export const STATE_LABELS: Record<Obligation['state'], string> = { open: '未屆期', overdue: '逾期未辦', met: '已辦理' };

/** Open / overdue / met (met late among the met) at the time judged. */
export interface ObligationCounts {
  open: number;
  overdue: number;
  met: number;
  metLate: number;
}

/** GET /obligation-summary: the counts the service keeps, in total, per agency and per kind. */
export interface ObligationSummary {
  asOf: { kind: string; at: string; knownAt?: string };
  totals: ObligationCounts;
  byAgency: (ObligationCounts & { agencyCode: string })[];
  byKind: (ObligationCounts & { kind: string; rule: string; title: string })[];
}
