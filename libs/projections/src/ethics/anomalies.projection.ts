import type { AnomalyKind, DetectionInput, DetectorConfig, EarlierQuery, Finding, Severity } from '@ledger/domain';
import { ANOMALY_RULES, ANOMALY_TITLES } from '@ledger/domain/ethics/detectors/anomaly.types';
import { DEFAULT_DETECTOR_CONFIG, detectorVersions } from '@ledger/domain/ethics/detectors/detector-config';
import { detectQuery, taipeiClock, unregisteredQuery } from '@ledger/domain/ethics/detectors/detectors';
import { TAIPEI_OFFSET_MS } from '@ledger/domain/core/calendar';
import type { RecordedEvent } from '@ledger/event-store';
import { AppliedEvent, PageProjector, Projection, ProjectionReader, ReadModelWrite, StoredDocument, upsert } from '@ledger/read-models';
import { asLedgerRecorded } from '../ledger-events';
import { startOfTaipeiDay, taipeiDate } from '../time';
import { stripMeta } from '../roster/roster.projection';

/**
 * 政風 anomalies (要點 八、九): the detectors run over every logged query as the ledger learns of it,
 * against what the ledger knew then of the account, the subject, the agency's case assignments and
 * 政風's relations lists. Every anomaly keeps the positions of its evidence, the version of the rule
 * and settings that raised it, and the ledger times of its evidence and of each change of its state,
 * so it can be read as of any time and reproduced from the log by a rebuild with the same settings.
 *
 * Documents keyed by a person id (accounts' holders, subjects, relations) stay inside this read
 * model: reads return anomalies without them.
 */
export const ETHICS = {
  anomalies: 'ethics_anomalies',
  /** The open anomaly a further finding of the same group joins (the same account and subject, hour, day). */
  open: 'ethics_open',
  counts: 'ethics_counts',
  investigations: 'ethics_investigations',
  accounts: 'ethics_accounts',
  /** Per agency: who held an account or a designation there, and when (the colleagues of 要點 八). */
  staff: 'ethics_staff',
  assignments: 'ethics_assignments',
  /** Per account and 7-day bucket (Taipei days): queries per hour and day (BULK), and every query's subject (REPEATED_SUBJECT). */
  activity: 'ethics_activity',
  /** Written by earlier versions (per account and day; per account and subject); listed so that a rebuild drops them. */
  days: 'ethics_days',
  subjects: 'ethics_subjects',
  /** Which event holds which lines of an imported log: the evidence read finds a logged query's line by it. */
  chunks: 'ethics_chunks',
} as const;

export const ANOMALIES_PROJECTION = 'ethics_anomalies';

export const ANOMALY_STATES = ['OPEN', 'UNDER_INVESTIGATION', 'JUSTIFIED', 'VIOLATION', 'UNFOUNDED'] as const;
export type AnomalyState = (typeof ANOMALY_STATES)[number];

/** Evidence kept in full up to this many lines per anomaly; beyond it only counted. */
export const MAX_EVIDENCE = 200;

export interface EvidenceRef {
  /** Global position of the event recording the logged query (a log chunk) or the reconciliation's finding. */
  position: string;
  streamId: string;
  /** `<importId>.<lineNo>`: the logged query. */
  loggedQuery: string;
  queriedAt: string;
  /** Ledger time of the evidence event. */
  knownAt: string;
}

export interface StateChange {
  state: AnomalyState;
  /** Business time (occurredAt of the investigation event, or of the first evidence). */
  at: string;
  /** Ledger time. */
  knownAt: string;
  position: string;
  investigationId: string | null;
}

export interface AnomalyDocument {
  anomalyId: string;
  kind: AnomalyKind;
  variant: string | null;
  severity: Severity;
  rule: string;
  title: string;
  agencyCode: string;
  accountId: string;
  /** YYYY-MM, Asia/Taipei, of the first query: the month the anomaly is filed under. */
  month: string;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Ledger time the first evidence was recorded: before it nobody could have known. */
  detectedKnownAt: string;
  detectedPosition: string;
  detector: { kind: AnomalyKind; version: string };
  qualifiers: string[];
  detail: Finding['detail'];
  caseNumbers: string[];
  evidence: EvidenceRef[];
  evidenceCount: number;
  state: AnomalyState;
  investigationId: string | null;
  stateHistory: StateChange[];
  /** Internal: lets the evidence read reveal the subject on purpose; never returned. */
  subjectPersonId: string | null;
}

export interface InvestigationDocument {
  investigationId: string;
  agencyCode: string;
  title: string;
  anomalyIds: string[];
  state: 'OPEN' | 'CONCLUDED';
  conclusion: 'JUSTIFIED' | 'VIOLATION' | 'UNFOUNDED' | null;
  summary: string | null;
  jointAudit: { jointAuditId: string; agencyCode: string; rule: string; dueDate: string } | null;
  notes: { noteNo: number; text: string; at: string; knownAt: string; by: string }[];
  evidence: { evidenceNo: number; kind: string; reference: string; description: string; at: string; knownAt: string; by: string }[];
  openedAt: string;
  openedKnownAt: string;
  openedBy: string;
  concludedAt: string | null;
  concludedKnownAt: string | null;
  concludedBy: string | null;
  position: string;
}

export interface CountsDocument {
  agencyCode: string;
  month: string;
  total: number;
  byKind: Partial<Record<AnomalyKind, number>>;
  byState: Partial<Record<AnomalyState, number>>;
}

interface AccountFact {
  at: string;
  op: 'CREATE' | 'GRANT' | 'REVOKE' | 'DISABLE' | 'DELETE';
  items?: string[];
}
interface AccountDoc {
  agencyCode: string;
  holderPersonId: string;
  facts: AccountFact[];
  /** 政風's relations list of this user (要點 八): person id → relation. Kept here, read with the account. */
  related?: Record<string, string>;
}
/** An account held (ref: the account id) or a designation (ref: the personnel role), from–to in business time. */
interface Period {
  kind: 'ACCOUNT' | 'DESIGNATION';
  ref: string;
  from: string;
  to: string | null;
}
interface StaffDoc {
  people: Record<string, Period[]>;
  /** 要點 十二(六): BLI's service to the agency, from when (business time), in order. */
  service?: { from: string; status: 'ACTIVE' | 'SUSPENDED' | 'TERMINATED' }[];
}

function serviceAt(doc: StaffDoc | undefined, at: string): 'ACTIVE' | 'SUSPENDED' | 'TERMINATED' {
  let status: 'ACTIVE' | 'SUSPENDED' | 'TERMINATED' = 'ACTIVE';
  for (const s of doc?.service ?? []) {
    if (s.from > at) break;
    status = s.status;
  }
  return status;
}
interface AssignmentDoc {
  history: { from: string; accountIds: string[] }[];
}
/** A logged query as REPEATED_SUBJECT remembers it: subject, time, case number (null: none), whether that case was assigned to the account then. */
type ActivityQuery = [subjectPersonId: string, queriedAt: string, caseNumber: string | null, assigned: boolean];
/**
 * One account's logged queries over 7 Taipei days. One document per account and bucket, not one per
 * account and subject (a million of them for a million queries about strangers): the window of
 * REPEATED_SUBJECT spans a handful of buckets, read once per page.
 */
interface ActivityDoc {
  /** Per Taipei day (YYYY-MM-DD): queries per Taipei clock hour. */
  hours: Record<string, number[]>;
  /** Per Taipei day: queries that day. */
  totals: Record<string, number>;
  /** In ledger order. */
  queries: ActivityQuery[];
}

const DAY_MS = 86_400_000;
/** Taipei days since 1970-01-01, in 7-day buckets. */
const bucketOf = (instantMs: number) => Math.floor(Math.floor((instantMs + TAIPEI_OFFSET_MS) / DAY_MS) / 7);
const bucketDays = new Map<number, string>();
/** Named by the bucket's first day (YYYY-MM-DD). */
function activityId(accountId: string, bucket: number): string {
  let day = bucketDays.get(bucket);
  if (day === undefined) {
    day = new Date(bucket * 7 * DAY_MS).toISOString().slice(0, 10);
    if (bucketDays.size > 10_000) bucketDays.clear();
    bucketDays.set(bucket, day);
  }
  return `${accountId}|${day}`;
}
/** Earlier queries about one subject given to REPEATED_SUBJECT: the last ones in its window, at most this many. */
const MAX_EARLIER = 100;
/** Most queries are about someone the account never asked about before: no array for them. */
const NONE: EarlierQuery[] = Object.freeze([]) as unknown as EarlierQuery[];

/** A logged query as the detectors need it (from a log chunk's line). */
export interface LoggedLine {
  lineNo: number;
  accountId: string;
  loggedAt: string;
  operationCode: string;
  subjectPersonId: string;
  caseNumber: string | null;
}

/** The event that carried logged queries: its position and stream are their evidence. */
interface LineSource {
  position: bigint;
  streamId: string;
  recordedAt: string;
  agencyCode: string;
  importId: string;
}

const MAX_CASE_NUMBERS = 20;

export const accountAt = (doc: AccountDoc | undefined, at: string): DetectionInput['account'] => {
  if (!doc) return { status: 'NONE', holderPersonId: null, queryItems: [] };
  let status: DetectionInput['account']['status'] = 'NONE';
  let items = new Set<string>();
  for (const fact of doc.facts) {
    if (fact.at > at) break;
    switch (fact.op) {
      case 'CREATE':
        status = 'ACTIVE';
        items = new Set();
        break;
      case 'GRANT':
        fact.items!.forEach((i) => items.add(i));
        break;
      case 'REVOKE':
        fact.items!.forEach((i) => items.delete(i));
        break;
      case 'DISABLE':
        status = 'DISABLED';
        break;
      case 'DELETE':
        status = 'DELETED';
        items = new Set();
        break;
    }
  }
  return { status, holderPersonId: doc.holderPersonId || null, queryItems: [...items] };
};

/** accountAt over the facts replayed once per account document (documents are replaced, never edited, when a fact arrives). */
const timelines = new WeakMap<AccountDoc, { at: string; account: DetectionInput['account'] }[]>();
function accountAtMemo(doc: AccountDoc | undefined, at: string): DetectionInput['account'] {
  if (!doc) return accountAt(doc, at);
  let timeline = timelines.get(doc);
  if (!timeline) {
    timeline = doc.facts.map((f) => ({ at: f.at, account: accountAt(doc, f.at) }));
    timelines.set(doc, timeline);
  }
  let found: DetectionInput['account'] | undefined;
  for (const step of timeline) {
    if (step.at > at) break;
    found = step.account;
  }
  return found ?? accountAt(doc, at);
}

const within = (p: Period, at: string) => p.from <= at && (p.to === null || at < p.to);

function assignedAt(doc: AssignmentDoc | undefined, accountId: string, at: string): boolean {
  if (!doc) return false;
  let current: string[] = [];
  for (const h of doc.history) {
    if (h.from > at) break;
    current = h.accountIds;
  }
  return current.includes(accountId);
}

/** Facts are kept in business-time order; one recorded late lands where it belongs. */
function insertFact(facts: AccountFact[], fact: AccountFact): AccountFact[] {
  const next = [...facts];
  let i = next.length;
  while (i > 0 && next[i - 1].at > fact.at) i--;
  next.splice(i, 0, fact);
  return next;
}

const monthOf = (instant: string) => taipeiDate(instant).slice(0, 7);
const assignmentKey = (agencyCode: string, caseNumber: string) => `${agencyCode}|${caseNumber}`;
const SUBJECT_KINDS: ReadonlySet<AnomalyKind> = new Set(['SELF_QUERY', 'COLLEAGUE_QUERY', 'DECLARED_RELATION', 'REPEATED_SUBJECT']);

type Source = Pick<RecordedEvent, 'position' | 'streamId' | 'metadata'>;

/** A document as the page holds it: the body, the position of the event that last changed it (or the stored one). */
interface PageDoc {
  collection: string;
  id: string;
  body: object | undefined;
  position: bigint | undefined;
  dirty: boolean;
  /** Activity documents: their queries by subject, built when first asked. */
  index?: Map<string, ActivityQuery[]>;
}

/**
 * The documents of one page of events, read once from the store and kept as objects across the
 * page's events; each changed document is handed over once at the end, under the position of the
 * event that last changed it. Event by event (a page of one) it is exactly what project() returns.
 */
class Page {
  private readonly docs = new Map<string, Map<string, PageDoc>>();
  /** Activity documents by account and bucket number: a logged query asks for several, by number rather than by id. */
  readonly activity = new Map<string, Map<number, PageDoc>>();

  constructor(private readonly read: ProjectionReader) {}

  cached(collection: string, id: string): PageDoc | undefined {
    return this.docs.get(collection)?.get(id);
  }

  async load(collection: string, id: string): Promise<PageDoc> {
    const known = this.cached(collection, id);
    if (known) return known;
    const stored = await this.read.get<StoredDocument>(collection, id);
    const doc: PageDoc = { collection, id, body: stored ? thaw(collection, stripMeta(stored)) : undefined, position: stored ? BigInt(stored._position) : undefined, dirty: false };
    let inCollection = this.docs.get(collection);
    if (!inCollection) this.docs.set(collection, (inCollection = new Map()));
    inCollection.set(id, doc);
    return doc;
  }

  /** See ProjectionReader.prefetch (which skips what the page has read already). */
  prefetch(collection: string, ids: readonly string[]): Promise<void> {
    return this.read.prefetch(collection, ids);
  }

  async activityDoc(accountId: string, bucket: number): Promise<PageDoc> {
    let byBucket = this.activity.get(accountId);
    if (!byBucket) this.activity.set(accountId, (byBucket = new Map()));
    const known = byBucket.get(bucket);
    if (known) return known;
    const doc = await this.load(ETHICS.activity, activityId(accountId, bucket));
    byBucket.set(bucket, doc);
    return doc;
  }

  writes(): AppliedEvent[] {
    const byPosition = new Map<bigint, ReadModelWrite[]>();
    for (const doc of [...this.docs.values()].flatMap((inCollection) => [...inCollection.values()])) {
      if (!doc.dirty || doc.position === undefined || doc.body === undefined) continue;
      const writes = byPosition.get(doc.position) ?? [];
      writes.push(upsert(doc.collection, doc.id, doc.body as Record<string, unknown>));
      byPosition.set(doc.position, writes);
    }
    return [...byPosition].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([position, writes]) => ({ position, writes }));
  }
}

/** Activity documents are appended to in place within a page: their stored arrays are copied once, on load. */
function thaw(collection: string, body: object): object {
  if (collection !== ETHICS.activity) return body;
  const a = body as ActivityDoc;
  return { hours: Object.fromEntries(Object.entries(a.hours).map(([day, hours]) => [day, [...hours]])), totals: { ...a.totals }, queries: [...a.queries] };
}

function indexOf(doc: PageDoc): Map<string, ActivityQuery[]> {
  if (doc.index) return doc.index;
  const index = new Map<string, ActivityQuery[]>();
  for (const q of (doc.body as ActivityDoc | undefined)?.queries ?? []) {
    const list = index.get(q[0]);
    if (list) list.push(q);
    else index.set(q[0], [q]);
  }
  doc.index = index;
  return index;
}

/**
 * One event's reads and writes over the page. A document already at or past the event's position
 * means the event was applied before (a replay): nothing of it is kept then, since derived counts
 * would count it twice. Writes are staged until the event ends; activity documents are changed in
 * place and put back as they were if the event turns out to be a replay.
 */
class Work {
  private readonly staged = new Map<string, { collection: string; id: string; body: object }>();
  private readonly touched = new Map<PageDoc, { body: object | undefined; queries: number; hours: Record<string, number[]>; totals: Record<string, number> }>();
  replay = false;

  constructor(
    private readonly page: Page,
    private readonly position: bigint,
  ) {}

  private seen(doc: PageDoc): PageDoc {
    if (doc.position !== undefined && doc.position >= this.position) this.replay = true;
    return doc;
  }

  async get<T>(collection: string, id: string): Promise<T | undefined> {
    if (this.staged.size > 0) {
      const staged = this.staged.get(`${collection}\u0000${id}`);
      if (staged) return staged.body as T;
    }
    return this.seen(this.page.cached(collection, id) ?? (await this.page.load(collection, id))).body as T | undefined;
  }

  set<T extends object>(collection: string, id: string, body: T): void {
    this.staged.set(`${collection}\u0000${id}`, { collection, id, body });
  }

  /** See Page.prefetch: what `get` reads next, read at once; it changes no outcome. */
  prefetch(collection: string, ids: readonly string[]): Promise<void> {
    return this.page.prefetch(collection, ids);
  }

  /**
   * An account's activity documents of buckets [first, last], read once per page (a logged query's
   * window spans a handful; reading them without a promise each is most of what a query costs).
   */
  buckets(accountId: string, first: number, last: number): PageDoc[] | Promise<PageDoc[]> {
    const byBucket = this.page.activity.get(accountId);
    if (byBucket === undefined) return this.load(accountId, first, last);
    const docs: PageDoc[] = [];
    for (let b = first; b <= last; b++) {
      const doc = byBucket.get(b);
      if (doc === undefined) return this.load(accountId, first, last);
      docs.push(this.seen(doc));
    }
    return docs;
  }

  private async load(accountId: string, first: number, last: number): Promise<PageDoc[]> {
    const docs: PageDoc[] = [];
    const byBucket = this.page.activity.get(accountId);
    for (let b = first; b <= last; b++) docs.push(this.seen(byBucket?.get(b) ?? (await this.page.activityDoc(accountId, b))));
    return docs;
  }

  /** The activity document a query is counted in, to change in place (remembered so a replay can put it back). */
  activity(doc: PageDoc): PageDoc & { body: ActivityDoc } {
    if (!this.touched.has(doc)) {
      const body = doc.body as ActivityDoc | undefined;
      this.touched.set(doc, {
        body,
        queries: body?.queries.length ?? 0,
        hours: body ? Object.fromEntries(Object.entries(body.hours).map(([day, hours]) => [day, [...hours]])) : {},
        totals: body ? { ...body.totals } : {},
      });
      if (!body) doc.body = { hours: {}, totals: {}, queries: [] } satisfies ActivityDoc;
    }
    return doc as PageDoc & { body: ActivityDoc };
  }

  async commit(): Promise<void> {
    if (this.replay) {
      for (const [doc, before] of this.touched) {
        if (before.body === undefined) doc.body = undefined;
        else Object.assign(doc.body as ActivityDoc, { queries: (doc.body as ActivityDoc).queries.slice(0, before.queries), hours: before.hours, totals: before.totals });
        doc.index = undefined;
      }
      return;
    }
    for (const doc of this.touched.keys()) {
      doc.position = this.position;
      doc.dirty = true;
    }
    // The documents an event writes without having read them (a listing's hundreds of new anomalies
    // and their pointers) are read for the guard below in one read of the store per collection.
    const unread = new Map<string, string[]>();
    for (const { collection, id } of this.staged.values()) {
      if (this.page.cached(collection, id) !== undefined) continue;
      const ids = unread.get(collection);
      if (ids) ids.push(id);
      else unread.set(collection, [id]);
    }
    // A handful are left to `load` one by one: a statement for one or two ids saves nothing.
    for (const [collection, ids] of unread) if (ids.length > 4) await this.page.prefetch(collection, ids);
    for (const { collection, id, body } of this.staged.values()) {
      const doc = await this.page.load(collection, id);
      // Not read by this event, yet stored at or past it: the store would keep its version.
      if (doc.position !== undefined && doc.position >= this.position) continue;
      doc.body = body;
      doc.position = this.position;
      doc.dirty = true;
    }
  }
}

export function anomaliesProjection(config: DetectorConfig = DEFAULT_DETECTOR_CONFIG): Projection {
  const versions = detectorVersions(config);

  const bump = async (work: Work, agencyCode: string, month: string, kind: AnomalyKind | null, from: AnomalyState | null, to: AnomalyState) => {
    const id = `${agencyCode}|${month}`;
    const doc = (await work.get<CountsDocument>(ETHICS.counts, id)) ?? { agencyCode, month, total: 0, byKind: {}, byState: {} };
    const next: CountsDocument = { ...doc, byKind: { ...doc.byKind }, byState: { ...doc.byState } };
    if (kind) {
      next.total += 1;
      next.byKind[kind] = (next.byKind[kind] ?? 0) + 1;
    }
    if (from) next.byState[from] = (next.byState[from] ?? 0) - 1;
    next.byState[to] = (next.byState[to] ?? 0) + 1;
    work.set(ETHICS.counts, id, next);
  };

  /** A finding joins its group's open anomaly, or opens a new one named by this evidence. */
  const raise = async (work: Work, finding: Finding, e: { agencyCode: string; accountId: string; caseNumber: string | null; subjectPersonId: string | null; lineNo: number }, evidence: EvidenceRef) => {
    const pointer = await work.get<{ anomalyId: string | null }>(ETHICS.open, finding.group);
    const current = pointer?.anomalyId ? await work.get<AnomalyDocument>(ETHICS.anomalies, pointer.anomalyId) : undefined;
    if (current && current.state === 'OPEN') {
      const next: AnomalyDocument = {
        ...current,
        lastSeenAt: evidence.queriedAt > current.lastSeenAt ? evidence.queriedAt : current.lastSeenAt,
        firstSeenAt: evidence.queriedAt < current.firstSeenAt ? evidence.queriedAt : current.firstSeenAt,
        evidence: current.evidence.length < MAX_EVIDENCE ? [...current.evidence, evidence] : current.evidence,
        evidenceCount: current.evidenceCount + 1,
        caseNumbers: e.caseNumber && !current.caseNumbers.includes(e.caseNumber) && current.caseNumbers.length < MAX_CASE_NUMBERS ? [...current.caseNumbers, e.caseNumber] : current.caseNumbers,
        detail: finding.detail,
        // A later finding of the group may be stronger (a query outside the case joins ones under it).
        severity: rank(finding.severity) > rank(current.severity) ? finding.severity : current.severity,
        qualifiers: current.qualifiers.filter((q) => finding.qualifiers.includes(q)),
      };
      work.set(ETHICS.anomalies, current.anomalyId, next);
      return;
    }
    const anomalyId = `${finding.kind}:${evidence.position}:${e.lineNo}${finding.variant ? `_${finding.variant}` : ''}`;
    const doc: AnomalyDocument = {
      anomalyId,
      kind: finding.kind,
      variant: finding.variant ?? null,
      severity: finding.severity,
      rule: ANOMALY_RULES[finding.kind],
      title: ANOMALY_TITLES[finding.kind],
      agencyCode: e.agencyCode,
      accountId: e.accountId,
      month: monthOf(evidence.queriedAt),
      firstSeenAt: evidence.queriedAt,
      lastSeenAt: evidence.queriedAt,
      detectedKnownAt: evidence.knownAt,
      detectedPosition: evidence.position,
      detector: { kind: finding.kind, version: versions[finding.kind] },
      qualifiers: finding.qualifiers,
      detail: finding.detail,
      caseNumbers: e.caseNumber ? [e.caseNumber] : [],
      evidence: [evidence],
      evidenceCount: 1,
      state: 'OPEN',
      investigationId: null,
      stateHistory: [{ state: 'OPEN', at: evidence.queriedAt, knownAt: evidence.knownAt, position: evidence.position, investigationId: null }],
      subjectPersonId: SUBJECT_KINDS.has(finding.kind) ? e.subjectPersonId : null,
    };
    work.set(ETHICS.anomalies, anomalyId, doc);
    work.set(ETHICS.open, finding.group, { anomalyId });
    await bump(work, doc.agencyCode, doc.month, doc.kind, null, 'OPEN');
  };

  /** Runs every rule over the lines of one event, in line order. */
  const detectLines = async (work: Work, source: LineSource, lines: readonly LoggedLine[]) => {
    const knownAt = source.recordedAt;
    const windowMs = config.REPEATED_SUBJECT.windowDays * DAY_MS;
    // A log chunk changes neither accounts nor staff: each is read once for the chunk.
    const staffDoc = await work.get<StaffDoc>(ETHICS.staff, source.agencyCode);
    const accounts = new Map<string, AccountDoc | undefined>();
    for (const line of lines) {
      const { accountId, subjectPersonId } = line;
      const at = line.loggedAt;
      let accountDoc = accounts.get(accountId);
      if (accountDoc === undefined && !accounts.has(accountId)) accounts.set(accountId, (accountDoc = await work.get<AccountDoc>(ETHICS.accounts, accountId)));
      const account = accountAtMemo(accountDoc, at);
      const staff = staffDoc?.people[subjectPersonId] ?? [];
      const { day, hour } = taipeiClock(at);
      const atMs = Date.parse(at);
      const windowStartMs = atMs - windowMs;
      const inWindow = work.buckets(accountId, bucketOf(windowStartMs), bucketOf(atMs));
      const buckets = Array.isArray(inWindow) ? inWindow : await inWindow;
      let found: EarlierQuery[] = NONE;
      let windowStart: string | undefined;
      for (const doc of buckets) {
        const about = doc.body === undefined ? undefined : indexOf(doc).get(subjectPersonId);
        if (about === undefined) continue;
        windowStart ??= new Date(windowStartMs).toISOString();
        for (const q of about) {
          if (q[1] < windowStart || q[1] > at) continue;
          if (found === NONE) found = [];
          found.push({ queriedAt: q[1], caseNumber: q[2], assigned: q[3] });
        }
      }
      const earlier = found.length > MAX_EARLIER ? found.slice(-MAX_EARLIER) : found;
      const own = work.activity(buckets[buckets.length - 1]);
      const hours = (own.body.hours[day] ??= new Array<number>(24).fill(0));
      hours[hour] += 1;
      const dayTotal = (own.body.totals[day] ?? 0) + 1;
      own.body.totals[day] = dayTotal;
      const query = { agencyCode: source.agencyCode, accountId, operationCode: line.operationCode, queriedAt: at, caseNumber: line.caseNumber, subjectPersonId };
      const input: DetectionInput = {
        query,
        account,
        subject: {
          holdsAccountInAgency: staff.some((p) => p.kind === 'ACCOUNT' && p.ref !== accountId && within(p, at)),
          designatedInAgency: staff.some((p) => p.kind === 'DESIGNATION' && within(p, at)),
          declaredRelation: accountDoc?.related?.[subjectPersonId] ?? null,
        },
        activity: { queriesThisHour: hours[hour], queriesThisDay: dayTotal, earlierAboutSubject: earlier },
        assignedToCase: false,
        serviceStatus: serviceAt(staffDoc, at),
      };
      // Case assignments only ever lower a finding (要點 八): they are read only when a rule they qualify has fired.
      let findings = detectQuery(input, config);
      let assigned = false;
      if (line.caseNumber !== null && findings.some((f) => SUBJECT_KINDS.has(f.kind))) {
        assigned = assignedAt(await work.get<AssignmentDoc>(ETHICS.assignments, assignmentKey(source.agencyCode, line.caseNumber)), accountId, at);
        const earlierAssigned: EarlierQuery[] = [];
        for (const q of earlier) {
          earlierAssigned.push(q.caseNumber === null ? q : { ...q, assigned: assignedAt(await work.get<AssignmentDoc>(ETHICS.assignments, assignmentKey(source.agencyCode, q.caseNumber)), accountId, q.queriedAt) });
        }
        findings = detectQuery({ ...input, assignedToCase: assigned, activity: { ...input.activity, earlierAboutSubject: earlierAssigned } }, config);
      }
      const remembered: ActivityQuery = [subjectPersonId, at, line.caseNumber, assigned];
      own.body.queries.push(remembered);
      const list = own.index?.get(subjectPersonId);
      if (list) list.push(remembered);
      else own.index?.set(subjectPersonId, [remembered]);
      if (findings.length === 0) continue;
      const evidence: EvidenceRef = {
        position: source.position.toString(),
        streamId: source.streamId,
        loggedQuery: `${source.importId}.${line.lineNo}`,
        queriedAt: at,
        knownAt,
      };
      for (const finding of findings) await raise(work, finding, { agencyCode: source.agencyCode, accountId, caseNumber: line.caseNumber, subjectPersonId, lineNo: line.lineNo }, evidence);
    }
  };

  const accountFact = async (work: Work, accountId: string, fact: AccountFact, created?: { agencyCode: string; holderPersonId: string }) => {
    const doc = (await work.get<AccountDoc>(ETHICS.accounts, accountId)) ?? (created ? { ...created, facts: [] } : undefined);
    if (!doc) return;
    work.set<AccountDoc>(ETHICS.accounts, accountId, { ...doc, ...(created ?? {}), facts: insertFact(doc.facts, fact) });
  };

  /** One agency's staff list: read once per event, so a log chunk of 500 lines costs one read for all its subjects. */
  const updateStaff = async (work: Work, agencyCode: string, personId: string, change: (periods: Period[]) => Period[]) => {
    const doc = (await work.get<StaffDoc>(ETHICS.staff, agencyCode)) ?? { people: {} };
    work.set<StaffDoc>(ETHICS.staff, agencyCode, { ...doc, people: { ...doc.people, [personId]: change(doc.people[personId] ?? []) } });
  };

  /** 要點 十二(六)(七): suspension, termination and resumption, kept with the agency's staff list (read once per log chunk). */
  const serviceChange = async (work: Work, agencyCode: string, from: string, status: 'ACTIVE' | 'SUSPENDED' | 'TERMINATED') => {
    const doc = (await work.get<StaffDoc>(ETHICS.staff, agencyCode)) ?? { people: {} };
    const service = [...(doc.service ?? []), { from, status }].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    work.set<StaffDoc>(ETHICS.staff, agencyCode, { ...doc, service });
  };

  /** A holding ends when the account stops being active: its holder is a colleague while they can query. */
  const endHolding = async (work: Work, accountId: string, at: string) => {
    const account = await work.get<AccountDoc>(ETHICS.accounts, accountId);
    if (!account) return;
    await updateStaff(work, account.agencyCode, account.holderPersonId, (periods) =>
      periods.map((p) => (p.kind === 'ACCOUNT' && p.ref === accountId && p.to === null ? { ...p, to: at } : p)),
    );
  };

  const setState = async (work: Work, source: Source, anomalyId: string, state: AnomalyState, investigationId: string) => {
    const doc = await work.get<AnomalyDocument>(ETHICS.anomalies, anomalyId);
    if (!doc) return;
    const change: StateChange = { state, at: source.metadata.occurredAt, knownAt: source.metadata.recordedAt, position: source.position.toString(), investigationId };
    work.set<AnomalyDocument>(ETHICS.anomalies, anomalyId, { ...doc, state, investigationId, stateHistory: [...doc.stateHistory, change] });
    // No further evidence joins an anomaly once it is investigated: raise() opens a new one for its group.
    await bump(work, doc.agencyCode, doc.month, null, doc.state, state);
  };

  /** Folds one event into the page; what it changed is kept unless it turns out to be a replay. */
  const handle = async (recorded: RecordedEvent, page: Page): Promise<void> => {
    const work = new Work(page, recorded.position);
    await fold(recorded, work);
    await work.commit();
  };

  const fold = async (recorded: RecordedEvent, work: Work): Promise<void> => {
    const event = asLedgerRecorded(recorded);
    const occurredAt = recorded.metadata.occurredAt;
    switch (event.type) {
      case 'AccountCreated': {
        const d = event.data;
        await accountFact(work, d.accountId, { at: occurredAt, op: 'CREATE' }, { agencyCode: d.agencyCode, holderPersonId: d.holder.personId });
        await updateStaff(work, d.agencyCode, d.holder.personId, (periods) => [...periods, { kind: 'ACCOUNT', ref: d.accountId, from: occurredAt, to: null }]);
        break;
      }
      case 'AccountQueryItemsGranted':
        await accountFact(work, event.data.accountId, { at: occurredAt, op: 'GRANT', items: event.data.operationCodes });
        break;
      case 'AccountQueryItemsRevoked':
        await accountFact(work, event.data.accountId, { at: occurredAt, op: 'REVOKE', items: event.data.operationCodes });
        break;
      case 'AccountDisabled':
        await accountFact(work, event.data.accountId, { at: occurredAt, op: 'DISABLE' });
        await endHolding(work, event.data.accountId, occurredAt);
        break;
      case 'AccountDeleted':
        await accountFact(work, event.data.accountId, { at: occurredAt, op: 'DELETE' });
        await endHolding(work, event.data.accountId, occurredAt);
        break;
      case 'AgencyPersonnelDesignated': {
        const d = event.data;
        const from = startOfTaipeiDay(d.effectiveDate);
        await updateStaff(work, d.agencyCode, d.personId, (periods) => [...periods, { kind: 'DESIGNATION', ref: d.personnelRole, from, to: null }]);
        if (d.previousPersonId && d.previousPersonId !== d.personId) {
          await updateStaff(work, d.agencyCode, d.previousPersonId, (periods) =>
            periods.map((p) => (p.kind === 'DESIGNATION' && p.ref === d.personnelRole && p.to === null ? { ...p, to: from } : p)),
          );
        }
        break;
      }
      case 'RelationDeclared':
      case 'RelationWithdrawn': {
        const d = event.data;
        // The API lists relations of existing accounts only; a list ahead of its account's creation waits in a stub.
        const doc = (await work.get<AccountDoc>(ETHICS.accounts, d.accountId)) ?? { agencyCode: d.accountId.split('.')[0], holderPersonId: '', facts: [] };
        const related = { ...doc.related };
        if (event.type === 'RelationDeclared') related[d.relatedPersonId] = event.data.relation;
        else delete related[d.relatedPersonId];
        work.set<AccountDoc>(ETHICS.accounts, d.accountId, { ...doc, related });
        break;
      }
      case 'WebIRServiceSuspended':
        await serviceChange(work, event.data.agencyCode, event.data.effectiveAt, 'SUSPENDED');
        break;
      case 'WebIRServiceTerminated':
        await serviceChange(work, event.data.agencyCode, event.data.effectiveAt, 'TERMINATED');
        break;
      case 'WebIRServiceResumed':
        await serviceChange(work, event.data.agencyCode, event.data.effectiveAt, 'ACTIVE');
        break;
      case 'CaseAssignmentRecorded': {
        const d = event.data;
        const id = assignmentKey(d.agencyCode, d.caseNumber);
        const doc = (await work.get<AssignmentDoc>(ETHICS.assignments, id)) ?? { history: [] };
        work.set<AssignmentDoc>(ETHICS.assignments, id, { history: [...doc.history, { from: d.assignedFrom, accountIds: d.accountIds }] });
        break;
      }
      case 'QueryLogLinesAccepted': {
        const d = event.data;
        const source: LineSource = { position: recorded.position, streamId: recorded.streamId, recordedAt: recorded.metadata.recordedAt, agencyCode: d.agencyCode, importId: d.importId };
        const lines = d.lines.map((l) => ({
          lineNo: l.lineNo,
          accountId: l.accountId,
          loggedAt: l.loggedAt,
          operationCode: l.operationCode,
          subjectPersonId: l.subject.personId,
          caseNumber: l.caseNumber.trim() === '' ? null : l.caseNumber,
        }));
        if (lines.length > 0) {
          work.set(ETHICS.chunks, `${d.importId}#${d.chunk}`, { importId: d.importId, chunk: d.chunk, firstLine: lines[0].lineNo, lastLine: lines[lines.length - 1].lineNo, position: recorded.position.toString() });
        }
        await detectLines(work, source, lines);
        break;
      }
      case 'UnregisteredQueriesFound': {
        // 要點 九(一): the log's reconciliation decided these had no registration; it is not judged again here.
        const d = event.data;
        const found = d.queries.map((q) => {
          const ref = `${d.importId}.${q.lineNo}`;
          return { q, ref, finding: unregisteredQuery({ accountId: q.accountId, queriedAt: q.loggedAt, operationCode: q.operationCode }, config, ref) };
        });
        // The open anomaly of each finding's group, for the listing's hundreds of queries at once.
        await work.prefetch(ETHICS.open, found.flatMap(({ finding }) => (finding ? [finding.group] : [])));
        for (const { q, ref, finding } of found) {
          if (!finding) continue;
          const evidence: EvidenceRef = { position: recorded.position.toString(), streamId: recorded.streamId, loggedQuery: ref, queriedAt: q.loggedAt, knownAt: recorded.metadata.recordedAt };
          await raise(work, finding, { agencyCode: d.agencyCode, accountId: q.accountId, caseNumber: null, subjectPersonId: null, lineNo: q.lineNo }, evidence);
        }
        break;
      }
      case 'UnregisteredQueryExplained': {
        // The flag stays (an explanation is for 政風 to weigh); it says it was explained or registered late.
        const d = event.data;
        const pointer = await work.get<{ anomalyId: string | null }>(ETHICS.open, `UNREGISTERED_QUERY|${d.importId}.${d.lineNo}`);
        const doc = pointer?.anomalyId ? await work.get<AnomalyDocument>(ETHICS.anomalies, pointer.anomalyId) : undefined;
        if (doc) {
          const qualifier = d.resolution === 'LATE_REGISTRATION' ? 'REGISTERED_LATE' : 'EXPLAINED';
          work.set<AnomalyDocument>(ETHICS.anomalies, doc.anomalyId, {
            ...doc,
            qualifiers: [...new Set([...doc.qualifiers, qualifier])],
            detail: { ...doc.detail, explainedKnownAt: recorded.metadata.recordedAt, lateRegistrationId: d.registrationId },
          });
        }
        break;
      }
      case 'InvestigationOpened': {
        for (const anomalyId of event.data.anomalyIds) await setState(work, recorded, anomalyId, 'UNDER_INVESTIGATION', event.data.investigationId);
        const d = event.data;
        const doc: InvestigationDocument = {
          investigationId: d.investigationId, agencyCode: d.agencyCode, title: d.title, anomalyIds: d.anomalyIds, state: 'OPEN', conclusion: null, summary: null, jointAudit: null,
          notes: [], evidence: [], openedAt: occurredAt, openedKnownAt: recorded.metadata.recordedAt, openedBy: recorded.metadata.actor,
          concludedAt: null, concludedKnownAt: null, concludedBy: null, position: recorded.position.toString(),
        };
        work.set(ETHICS.investigations, d.investigationId, doc);
        break;
      }
      case 'InvestigationNoteAdded':
      case 'InvestigationEvidenceAdded': {
        const doc = await work.get<InvestigationDocument>(ETHICS.investigations, event.data.investigationId);
        if (!doc) break;
        const stamp = { at: occurredAt, knownAt: recorded.metadata.recordedAt, by: recorded.metadata.actor };
        const next =
          event.type === 'InvestigationNoteAdded'
            ? { ...doc, notes: [...doc.notes, { noteNo: event.data.noteNo, text: event.data.text, ...stamp }] }
            : { ...doc, evidence: [...doc.evidence, { evidenceNo: event.data.evidenceNo, kind: event.data.kind, reference: event.data.reference, description: event.data.description, ...stamp }] };
        work.set(ETHICS.investigations, doc.investigationId, { ...next, position: recorded.position.toString() });
        break;
      }
      case 'InvestigationConcluded': {
        const d = event.data;
        for (const anomalyId of d.anomalyIds) await setState(work, recorded, anomalyId, d.conclusion, d.investigationId);
        const doc = await work.get<InvestigationDocument>(ETHICS.investigations, d.investigationId);
        if (doc) {
          work.set<InvestigationDocument>(ETHICS.investigations, d.investigationId, {
            ...doc, state: 'CONCLUDED', conclusion: d.conclusion, summary: d.summary, jointAudit: d.jointAudit,
            concludedAt: occurredAt, concludedKnownAt: recorded.metadata.recordedAt, concludedBy: recorded.metadata.actor, position: recorded.position.toString(),
          });
        }
        break;
      }
      default:
        return;
    }
  };

  const startPage = (read: ProjectionReader): PageProjector => {
    const page = new Page(read);
    return { project: (event) => handle(event, page), writes: () => page.writes() };
  };

  return {
    name: ANOMALIES_PROJECTION,
    // 2: what the detectors remember is kept per account and 7-day bucket (ethics_activity).
    version: 2,
    collections: Object.values(ETHICS),
    indexes: {
      [ETHICS.anomalies]: [
        { fields: ['agencyCode', 'month', 'anomalyId'] },
        { fields: ['kind', 'month', 'anomalyId'] },
        { fields: ['accountId', 'month', 'anomalyId'] },
        { fields: ['state', 'month', 'anomalyId'] },
      ],
      [ETHICS.counts]: [{ fields: ['agencyCode', 'month'] }, { fields: ['month'] }],
      [ETHICS.investigations]: [{ fields: ['agencyCode', 'investigationId'] }, { fields: ['state', 'investigationId'] }],
      [ETHICS.chunks]: [{ fields: ['importId', 'firstLine'] }],
    },
    handles: (type) => HANDLED.has(type),
    startPage,
    async project(event, read) {
      const page = startPage(read);
      await page.project(event);
      return (await page.writes()).flatMap((applied) => applied.writes);
    },
  };
}

const rank = (s: Severity) => (s === 'HIGH' ? 3 : s === 'MEDIUM' ? 2 : 1);

const HANDLED = new Set<string>([
  'AccountCreated',
  'AccountQueryItemsGranted',
  'AccountQueryItemsRevoked',
  'AccountDisabled',
  'AccountDeleted',
  'AgencyPersonnelDesignated',
  'RelationDeclared',
  'RelationWithdrawn',
  'CaseAssignmentRecorded',
  'WebIRServiceSuspended',
  'WebIRServiceTerminated',
  'WebIRServiceResumed',
  'QueryLogLinesAccepted',
  'UnregisteredQueriesFound',
  'UnregisteredQueryExplained',
  'InvestigationOpened',
  'InvestigationNoteAdded',
  'InvestigationEvidenceAdded',
  'InvestigationConcluded',
]);
