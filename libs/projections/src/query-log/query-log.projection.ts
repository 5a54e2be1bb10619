import type { ReconciliationWindow } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';
import { Projection, ProjectionReader, ReadModelWrite, setFields, TableSpec, upsert } from '@ledger/read-models';
import { asLedgerRecorded, type RecordedOf } from '../ledger-events';
import { addDaysToDate, taipeiDate } from '../time';

/**
 * The WebIR query log and its reconciliation with the registrations (要點 九(一)(二)).
 *
 * Matching follows the domain's rule (`reconcile` in libs/domain/src/query-log, the reference this
 * read model is tested against): a logged query is registered when a registration with the same
 * agency, account, operation code, subject (person id) and case number is planned on its Taipei
 * day or up to `window.days − 1` days before. It is kept incrementally so that a month's summary is
 * one document read whatever the month's size: registrations and logged queries meet in a *match
 * group* per (key, Taipei day), so each event touches a handful of documents, and the outcome is
 * the same whichever of a registration and its logged query, or of two files, arrives first.
 */
export const QUERY_LOGS = {
  imports: 'query_log_imports',
  logged: 'logged_queries',
  rejected: 'query_log_rejections',
  groups: 'query_match_groups',
  months: 'query_reconciliation_months',
  listings: 'query_log_listings',
} as const;

export const QUERY_LOGS_PROJECTION = 'query_logs';

export interface QueryLogImportDocument {
  importId: string;
  agencyCode: string;
  /** YYYY-MM, Asia/Taipei. */
  period: string;
  sha256: string;
  encoding: string;
  fileName: string | null;
  lineCount: number;
  acceptedCount: number;
  rejectedCount: number;
  /** IMPORTING until every chunk is recorded; an import cut short is resumed by sending the same file. */
  state: 'IMPORTING' | 'COMPLETED' | 'RECONCILED';
  startedAt: string;
  completedAt: string | null;
  reconciledAt: string | null;
  importedBy: string;
  /** Lines recorded so far (accepted chunks, rejected chunks). */
  acceptedRecorded: number;
  rejectedRecorded: number;
  /** The same query already recorded from another file: counted once. */
  duplicates: number;
  /** Distinct accepted queries with a registration, now (late registrations included). */
  matched: number;
  /** Listed as UNREGISTERED_QUERY when reconciled, and how many of those are explained since. */
  foundUnregistered: number;
  explained: number;
  position: string;
}

export interface LoggedQueryDocument {
  ref: string;
  importId: string;
  lineNo: number;
  /**
   * The order of the reads, unique: loggedAt, then the import (its start event's position in base 36,
   * a short stand-in for its 39-character id), then the line (base 36, fixed width). See sortKeyOf.
   */
  sortKey: string;
  agencyCode: string;
  /** YYYY-MM of loggedAt in Asia/Taipei. */
  month: string;
  accountId: string;
  loggedAt: string;
  operationCode: string;
  /** For the subject search (by blind index → person id) and matching; never returned to integrators. */
  personId: string;
  caseNumber: string;
  reason: string;
  outcomeCode: string;
  /** Matching registrations now. */
  registrations: number;
  registered: boolean;
  /** One indexable field for the reads (booleans are not served by the SQLite indexes). */
  status: 'REGISTERED' | 'UNREGISTERED' | 'DUPLICATE';
  /** The ref of the same query recorded before from another file, or null. */
  duplicateOf: string | null;
  /**
   * Listed as UNREGISTERED_QUERY by its import's reconciliation (要點 九(一)), whatever its status
   * now (a registration recorded late makes it REGISTERED; it stays listed). Not stored on the row:
   * the queries read it from the listing documents (ListingDocument; withListed).
   */
  foundUnregistered: boolean;
  explained: 'EXPLANATION' | 'LATE_REGISTRATION' | null;
  /** The chunk event holding this line: its evidence in the ledger. */
  evidence: { streamId: string; eventId: string; position: string };
}

/** A logged query as stored: every field but the listing flag, which is a fact of the listing (see ListingDocument). */
export type LoggedQueryRow = Omit<LoggedQueryDocument, 'foundUnregistered'>;

/**
 * One UnregisteredQueriesFound event's lines, as one document: which lines of which import the
 * reconciliation listed. Why not a flag set on each listed row: a month's listing is most of its
 * rows (900,070 of 1,000,000 in bench:queries), and setting the flag rewrote every page of the
 * table a second time — bench:queries' import ran 13 % faster without it. An import's listings
 * cover disjoint, increasing ranges of lines (the importer lists in line order, a resumed listing
 * after its last line), so a row's listing is the first with lastLineNo ≥ its line.
 */
export interface ListingDocument {
  importId: string;
  chunk: number;
  lastLineNo: number;
  /** Ascending. */
  lineNos: number[];
}

/**
 * A logged query is one typed row where the store can keep rows (the embedded SQLite store): a
 * million-line month is a million of them, and a JSON document per line cost a parse for each of
 * its indexes on every write. Every field of LoggedQueryRow is a column.
 */
export const LOGGED_QUERY_TABLE: TableSpec = {
  columns: {
    ref: 'text', importId: 'text', lineNo: 'integer', sortKey: 'text', agencyCode: 'text', month: 'text',
    accountId: 'text', loggedAt: 'text', operationCode: 'text', personId: 'text', caseNumber: 'text', reason: 'text', outcomeCode: 'text',
    registrations: 'integer', registered: 'boolean', status: 'text', duplicateOf: 'text', explained: 'text', evidence: 'json',
  },
};

export interface RejectedLineDocument {
  importId: string;
  lineNo: number;
  seq: string;
  code: string;
  field: string | null;
  reason: string;
}

export interface ReconciliationMonthDocument {
  agencyCode: string;
  month: string;
  registered: number;
  performed: number;
  logged: number;
  matched: number;
  loggedMoreThanOnce: number;
  severalRegistrations: number;
  duplicates: number;
  rejected: number;
  imports: number;
  importsIncomplete: number;
  foundUnregistered: number;
  explained: number;
}

interface GroupRegistration {
  id: string;
  month: string;
  hits: number;
}
/**
 * A logged query in its group: only what cannot be derived (its import is the ref's part before the
 * last '.', its month that of loggedAt in Taipei). A group is written for nearly every line, and
 * its JSON is made, stored and parsed again at that rate.
 */
interface GroupLogged {
  ref: string;
  loggedAt: string;
  regs: number;
}
const importOfRef = (ref: string) => ref.slice(0, ref.lastIndexOf('.'));
interface MatchGroupDocument {
  registrations: GroupRegistration[];
  logged: GroupLogged[];
}

const pad = (lineNo: number) => String(lineNo).padStart(9, '0');
/** importId + zero-padded line number: a rejected line's order within its file. */
export const seqOf = (importId: string, lineNo: number) => `${importId}.${pad(lineNo)}`;
/**
 * A logged query's sortKey (its order in every read): loggedAt, then the import, then the line.
 * The import is named by the position of its QueryLogImportStarted in base 36 — unique per import
 * and fixed once recorded — and the line in base 36 padded to 6 (a file holds far fewer than 36^6
 * lines): 37-odd characters where loggedAt + importId + a 9-digit line took 74. The key sits in four
 * of the table's indexes; against the long form, the table with its indexes took ≈ 22 % fewer pages
 * (200,000 rows in a micro-benchmark). Two keys with the same loggedAt and import compare by line;
 * with the same loggedAt and different imports, by import (a total order: the import part holds no
 * '.', so no key is another's prefix). `importKey` is importKeyOf the start event's position, made
 * once per chunk.
 */
export const sortKeyOf = (loggedAt: string, importKey: string, lineNo: number) => `${loggedAt}|${importKey}.${lineNo.toString(36).padStart(6, '0')}`;
export const importKeyOf = (startPosition: string) => BigInt(startPosition).toString(36);
/** The match key of a registration or logged query (positional: it is made for every line). */
const keyOf = (agencyCode: string, accountId: string, operationCode: string, personId: string, caseNumber: string) =>
  `${agencyCode}\u0000${accountId}\u0000${operationCode}\u0000${personId}\u0000${caseNumber}`;
/**
 * The day first: a chunk's lines are in time order, so the groups one page reads and writes sit
 * together in the table's key order instead of at random (the key holds the subject's person id), and
 * a commit writes fewer pages. Against key first, bench:queries' import ran 7–10 % faster.
 */
const groupId = (key: string, day: string) => `${day}\u0000${key}`;
const monthId = (agencyCode: string, month: string) => `${agencyCode}|${month}`;

/**
 * The Taipei day of an instant, by the hour it falls in: a chunk's lines are in time order, so
 * hundreds share an hour, and the day of a whole hour (UTC+8, no daylight saving) is that of any
 * instant in it. Only the canonical form (`toISOString`, as the domain writes it) is read this way.
 */
let lastHour = '';
let lastHourDay = '';
function taipeiDay(instant: string): string {
  if (instant.length !== 24 || instant.charCodeAt(10) !== 84 /* T */ || instant.charCodeAt(23) !== 90 /* Z */) return taipeiDate(instant);
  const hour = instant.slice(0, 13);
  if (hour !== lastHour) {
    lastHourDay = taipeiDate(`${hour}:00:00.000Z`);
    lastHour = hour;
  }
  return lastHourDay;
}

const emptyMonth = (agencyCode: string, month: string): ReconciliationMonthDocument => ({
  agencyCode, month, registered: 0, performed: 0, logged: 0, matched: 0, loggedMoreThanOnce: 0, severalRegistrations: 0,
  duplicates: 0, rejected: 0, imports: 0, importsIncomplete: 0, foundUnregistered: 0, explained: 0,
});

/**
 * A mutable copy without the store's fields. Copied key by key: a rest pattern on a frozen document
 * of 20-odd fields takes V8's slow cloning path, ≈ 4× the cost of this loop.
 */
function strip<T extends object>(doc: T & { _id?: string; _position?: string }): T {
  const rest: Record<string, unknown> = {};
  for (const key in doc) if (key !== '_id' && key !== '_position') rest[key] = (doc as Record<string, unknown>)[key];
  return rest as T;
}

/**
 * The documents one event changes, read once and written once: many lines of a chunk meet in the
 * same month, import and often group document.
 */
class Touched {
  /** By collection, then id: no key string made per document (a chunk touches a thousand). */
  private readonly docs = new Map<string, Map<string, { collection: string; id: string; doc: object | undefined; dirty: boolean }>>();
  /** Fields set on documents not read (ReadModelWrite `set`), after the documents put. */
  private readonly sets: ReadModelWrite[] = [];
  constructor(private readonly read: ProjectionReader) {}

  private of(collection: string) {
    let docs = this.docs.get(collection);
    if (!docs) this.docs.set(collection, (docs = new Map()));
    return docs;
  }

  async get<T extends object>(collection: string, id: string): Promise<T | undefined> {
    const docs = this.of(collection);
    let entry = docs.get(id);
    if (!entry) {
      const stored = await this.read.get<T>(collection, id);
      entry = { collection, id, doc: stored ? strip(stored) : undefined, dirty: false };
      docs.set(id, entry);
    }
    return entry.doc as T | undefined;
  }

  /** See ProjectionReader.prefetch (which skips what the page has read already). */
  prefetch(collection: string, ids: readonly string[]): Promise<void> {
    return this.read.prefetch(collection, ids);
  }

  put(collection: string, id: string, doc: object): void {
    this.of(collection).set(id, { collection, id, doc, dirty: true });
  }

  /** Sets fields of a stored document without reading it; not for a document this event also gets or puts. */
  set(collection: string, id: string, fields: Record<string, unknown>): void {
    this.sets.push(setFields(collection, id, fields));
  }

  async update<T extends object>(collection: string, id: string, init: () => T, change: (doc: T) => T): Promise<void> {
    const current = (await this.get<T>(collection, id)) ?? init();
    this.put(collection, id, change(current));
  }

  writes(): ReadModelWrite[] {
    // Not copied: every document put is one a handler made, and the store checks and copies it.
    const puts: ReadModelWrite[] = [];
    for (const docs of this.docs.values()) for (const e of docs.values()) if (e.dirty && e.doc) puts.push(upsert(e.collection, e.id, e.doc as Record<string, unknown>));
    return this.sets.length === 0 ? puts : [...puts, ...this.sets];
  }
}

type MonthCounter = Exclude<keyof ReconciliationMonthDocument, 'agencyCode' | 'month'>;

/**
 * Counter changes of one event, added up and applied once per month document at the end: a chunk
 * of 500 lines makes one new month document instead of 500 (the same sums, so the same document).
 */
class MonthDeltas {
  private readonly deltas = new Map<string, { agencyCode: string; month: string; add: Partial<Record<MonthCounter, number>> }>();

  add(agencyCode: string, month: string, counter: MonthCounter, n = 1): void {
    const id = monthId(agencyCode, month);
    let entry = this.deltas.get(id);
    if (!entry) this.deltas.set(id, (entry = { agencyCode, month, add: {} }));
    entry.add[counter] = (entry.add[counter] ?? 0) + n;
  }

  async apply(t: Touched): Promise<void> {
    for (const [id, { agencyCode, month, add }] of this.deltas) {
      await t.update(QUERY_LOGS.months, id, () => emptyMonth(agencyCode, month), (m) => {
        const next = { ...m };
        for (const [counter, n] of Object.entries(add) as [MonthCounter, number][]) next[counter] += n;
        return next;
      });
    }
  }
}

type Handlers = {
  [T in 'QueryLogImportStarted' | 'QueryLogLinesAccepted' | 'QueryLogLinesRejected' | 'QueryLogImportCompleted' | 'UnregisteredQueriesFound' | 'QueryLogReconciled' | 'UnregisteredQueryExplained' | 'QueryRegistered']: (
    event: RecordedOf<T>,
    t: Touched,
  ) => Promise<void>;
};

export function queryLogsProjection(window: ReconciliationWindow = { days: 1 }): Projection {
  const days = window.days;
  const month = (t: Touched, agencyCode: string, m: string, change: (d: ReconciliationMonthDocument) => ReconciliationMonthDocument) =>
    t.update(QUERY_LOGS.months, monthId(agencyCode, m), () => emptyMonth(agencyCode, m), change);
  const noStart = (importId: string) => new Error(`import ${importId} has no start event`);
  const importDoc = (t: Touched, importId: string, change: (d: QueryLogImportDocument) => QueryLogImportDocument) =>
    t.update<QueryLogImportDocument>(QUERY_LOGS.imports, importId, () => { throw noStart(importId); }, change);
  const importOf = async (t: Touched, importId: string) => {
    const doc = await t.get<QueryLogImportDocument>(QUERY_LOGS.imports, importId);
    if (!doc) throw noStart(importId);
    return doc;
  };
  /**
   * The groups a registration on `day` meets logged queries in: its own day's, then those of the
   * `days − 1` days after it.
   */
  const groupsAhead = (key: string, day: string): string[] => {
    const ids = [groupId(key, day)];
    for (let k = 1; k < days; k++) ids.push(groupId(key, addDaysToDate(day, k)));
    return ids;
  };
  const group = async (t: Touched, id: string) => (await t.get<MatchGroupDocument>(QUERY_LOGS.groups, id)) ?? { registrations: [], logged: [] };

  const handlers: Handlers = {
    async QueryLogImportStarted(e, t) {
      const d = e.data;
      const doc: QueryLogImportDocument = {
        importId: d.importId, agencyCode: d.agencyCode, period: d.period, sha256: d.file.sha256, encoding: d.file.encoding, fileName: d.file.fileName ?? null,
        lineCount: d.lineCount, acceptedCount: d.acceptedCount, rejectedCount: d.rejectedCount, state: 'IMPORTING',
        startedAt: e.metadata.recordedAt, completedAt: null, reconciledAt: null, importedBy: e.metadata.actor,
        acceptedRecorded: 0, rejectedRecorded: 0, duplicates: 0, matched: 0, foundUnregistered: 0, explained: 0, position: e.position.toString(),
      };
      t.put(QUERY_LOGS.imports, d.importId, doc);
      await month(t, d.agencyCode, d.period, (m) => ({ ...m, imports: m.imports + 1, importsIncomplete: m.importsIncomplete + 1 }));
    },

    async QueryLogLinesAccepted(e, t) {
      const { importId, agencyCode } = e.data;
      const evidence = { streamId: e.streamId, eventId: e.eventId, position: e.position.toString() };
      let matched = 0;
      let duplicates = 0;
      const months = new MonthDeltas();
      const { lines } = e.data;
      const importKey = importKeyOf((await importOf(t, importId)).position);
      const lineDays = lines.map((line) => taipeiDay(line.loggedAt));
      const keys = lines.map((line) => keyOf(agencyCode, line.accountId, line.operationCode, line.subject.personId, line.caseNumber));
      // Every group the lines may read, in one read of the store (built flat, not an array per line: this is the import's hot path).
      const wanted: string[] = [];
      for (let i = 0; i < lines.length; i++) for (let back = 0; back < days; back++) wanted.push(groupId(keys[i], back === 0 ? lineDays[i] : addDaysToDate(lineDays[i], -back)));
      await t.prefetch(QUERY_LOGS.groups, wanted);
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        const day = lineDays[i];
        const m = day.slice(0, 7);
        const ref = `${importId}.${line.lineNo}`;
        const key = keys[i];
        const ownId = groupId(key, day);
        const own = await group(t, ownId);
        const sortKey = sortKeyOf(line.loggedAt, importKey, line.lineNo);
        // One object literal per row, in the field order of LOGGED_QUERY_TABLE's documents: a spread
        // of a shared base into each row cost more than the rest of the line's work.
        const row = (registrations: number, status: LoggedQueryRow['status'], duplicateOf: string | null): LoggedQueryRow => ({
          ref, importId, lineNo: line.lineNo, sortKey, agencyCode, month: m, accountId: line.accountId, loggedAt: line.loggedAt,
          operationCode: line.operationCode, personId: line.subject.personId, caseNumber: line.caseNumber, reason: line.reason, outcomeCode: line.outcomeCode,
          explained: null, evidence, registrations, registered: registrations > 0, status, duplicateOf,
        });
        const earlier = own.logged.find((l) => l.loggedAt === line.loggedAt && importOfRef(l.ref) !== importId);
        if (earlier) {
          // The same query recorded before from another file (an overlapping download): counted once.
          duplicates++;
          t.put(QUERY_LOGS.logged, ref, row(earlier.regs, 'DUPLICATE', earlier.ref));
          months.add(agencyCode, m, 'duplicates');
          continue;
        }
        let regs = 0;
        for (let back = 0; back < days; back++) {
          const id = back === 0 ? ownId : groupId(key, addDaysToDate(day, -back));
          const g = back === 0 ? own : await group(t, id);
          if (g.registrations.length === 0) continue;
          const registrations = g.registrations.map((r) => ({ ...r, hits: r.hits + 1 }));
          regs += registrations.length;
          for (const r of registrations) {
            if (r.hits === 1) months.add(agencyCode, r.month, 'performed');
            else if (r.hits === 2) months.add(agencyCode, r.month, 'loggedMoreThanOnce');
          }
          const next = { ...g, registrations };
          if (back === 0) own.registrations = registrations;
          else t.put(QUERY_LOGS.groups, id, next);
        }
        own.logged = [...own.logged, { ref, loggedAt: line.loggedAt, regs }];
        t.put(QUERY_LOGS.groups, ownId, { ...own });
        t.put(QUERY_LOGS.logged, ref, row(regs, regs > 0 ? 'REGISTERED' : 'UNREGISTERED', null));
        if (regs > 0) matched++;
        months.add(agencyCode, m, 'logged');
        if (regs > 0) months.add(agencyCode, m, 'matched');
        if (regs > 1) months.add(agencyCode, m, 'severalRegistrations');
      }
      await months.apply(t);
      await importDoc(t, importId, (d) => ({ ...d, acceptedRecorded: d.acceptedRecorded + e.data.lines.length, matched: d.matched + matched, duplicates: d.duplicates + duplicates }));
    },

    async QueryLogLinesRejected(e, t) {
      const { importId, agencyCode, period } = e.data;
      for (const l of e.data.lines) {
        const doc: RejectedLineDocument = { importId, lineNo: l.lineNo, seq: seqOf(importId, l.lineNo), code: l.code, field: l.field ?? null, reason: l.reason };
        t.put(QUERY_LOGS.rejected, `${importId}.${l.lineNo}`, doc);
      }
      await importDoc(t, importId, (d) => ({ ...d, rejectedRecorded: d.rejectedRecorded + e.data.lines.length }));
      await month(t, agencyCode, period, (s) => ({ ...s, rejected: s.rejected + e.data.lines.length }));
    },

    async QueryLogImportCompleted(e, t) {
      await importDoc(t, e.data.importId, (d) => ({ ...d, state: 'COMPLETED', completedAt: e.metadata.recordedAt }));
      await month(t, e.data.agencyCode, e.data.period, (s) => ({ ...s, importsIncomplete: Math.max(0, s.importsIncomplete - 1) }));
    },

    async UnregisteredQueriesFound(e, t) {
      const { importId, agencyCode } = e.data;
      const months = new MonthDeltas();
      // Listed from this import's own accepted rows (the importer reads them from this read model
      // after its lines are projected): their agency and month are the import's and those of their
      // loggedAt, as QueryLogLinesAccepted stored them. The rows themselves are not touched.
      const lineNos: number[] = [];
      for (const q of e.data.queries) {
        lineNos.push(q.lineNo);
        months.add(agencyCode, taipeiDay(q.loggedAt).slice(0, 7), 'foundUnregistered');
      }
      if (lineNos.length > 0) {
        lineNos.sort((x, y) => x - y);
        const listing: ListingDocument = { importId, chunk: e.data.chunk, lastLineNo: lineNos[lineNos.length - 1], lineNos };
        t.put(QUERY_LOGS.listings, `${importId}.${e.data.chunk}`, listing);
      }
      await months.apply(t);
      await importDoc(t, importId, (d) => ({ ...d, foundUnregistered: d.foundUnregistered + e.data.queries.length }));
    },

    async QueryLogReconciled(e, t) {
      await importDoc(t, e.data.importId, (d) => ({ ...d, state: 'RECONCILED', reconciledAt: e.metadata.recordedAt }));
    },

    async UnregisteredQueryExplained(e, t) {
      const ref = `${e.data.importId}.${e.data.lineNo}`;
      const doc = await t.get<LoggedQueryRow>(QUERY_LOGS.logged, ref);
      if (!doc || doc.explained) return;
      t.put(QUERY_LOGS.logged, ref, { ...doc, explained: e.data.resolution });
      await month(t, doc.agencyCode, doc.month, (s) => ({ ...s, explained: s.explained + 1 }));
      await importDoc(t, e.data.importId, (d) => ({ ...d, explained: d.explained + 1 }));
    },

    async QueryRegistered(e, t) {
      const r = e.data;
      const day = taipeiDay(r.plannedAt);
      const m = day.slice(0, 7);
      const key = keyOf(r.agencyCode, r.accountId, r.operationCode, r.subject.personId, r.caseNumber);
      let hits = 0;
      const ids = groupsAhead(key, day);
      const ownId = ids[0];
      const own = await group(t, ownId);
      if (own.registrations.some((x) => x.id === r.registrationId)) return;
      for (let ahead = 0; ahead < days; ahead++) {
        const id = ids[ahead];
        const g = ahead === 0 ? own : await group(t, id);
        if (g.logged.length === 0) continue;
        const logged = g.logged.map((l) => ({ ...l, regs: l.regs + 1 }));
        hits += logged.length;
        for (const l of logged) {
          const loggedMonth = taipeiDay(l.loggedAt).slice(0, 7);
          if (l.regs === 1) {
            // A registration recorded after its query was logged (or imported): the query is matched now.
            await month(t, r.agencyCode, loggedMonth, (s) => ({ ...s, matched: s.matched + 1 }));
            await importDoc(t, importOfRef(l.ref), (d) => ({ ...d, matched: d.matched + 1 }));
          } else if (l.regs === 2) {
            await month(t, r.agencyCode, loggedMonth, (s) => ({ ...s, severalRegistrations: s.severalRegistrations + 1 }));
          }
          const doc = await t.get<LoggedQueryRow>(QUERY_LOGS.logged, l.ref);
          if (doc) t.put(QUERY_LOGS.logged, l.ref, { ...doc, registrations: l.regs, registered: true, status: 'REGISTERED' });
        }
        if (ahead === 0) own.logged = logged;
        else t.put(QUERY_LOGS.groups, id, { ...g, logged });
      }
      own.registrations = [...own.registrations, { id: r.registrationId, month: m, hits }];
      t.put(QUERY_LOGS.groups, ownId, { ...own });
      await month(t, r.agencyCode, m, (s) => ({
        ...s,
        registered: s.registered + 1,
        performed: s.performed + (hits > 0 ? 1 : 0),
        loggedMoreThanOnce: s.loggedMoreThanOnce + (hits > 1 ? 1 : 0),
      }));
    },
  };

  return {
    name: QUERY_LOGS_PROJECTION,
    // 6: a group's logged queries without their import and month; 5: the subject's index without
    // the sortKey; 4: short sort keys (sortKeyOf), no seq or day column, the import's index by line
    // number, the listing flag kept in listing documents instead of on each row; 3: match groups
    // keyed by day first; 2: logged queries as typed rows with the indexes the reads
    // use (agency + month, account, case number, subject, import); version 1 stored them as JSON
    // documents with a sixth index.
    version: 6,
    collections: Object.values(QUERY_LOGS),
    tables: { [QUERY_LOGS.logged]: LOGGED_QUERY_TABLE },
    indexes: {
      [QUERY_LOGS.imports]: [{ fields: ['agencyCode', 'period', 'importId'] }],
      [QUERY_LOGS.logged]: [
        { fields: ['agencyCode', 'month', 'sortKey'] },
        { fields: ['accountId', 'sortKey'] },
        { fields: ['agencyCode', 'caseNumber', 'sortKey'] },
        // The subject alone: its entries go in at random (the person id is random), and a person has
        // few rows, sorted for the read in a moment; with the sortKey in it the import ran ≈ 2 % slower.
        { fields: ['personId'] },
        { fields: ['importId', 'status', 'lineNo'] },
      ],
      [QUERY_LOGS.rejected]: [{ fields: ['importId', 'seq'] }],
      [QUERY_LOGS.listings]: [{ fields: ['importId', 'lastLineNo'] }],
    },
    handles: (type) => type in handlers,
    // A page of registrations reads the groups each of them reads in one read of the store (a chunk of
    // lines does the same for its own, in its handler). An event this cannot read is left to project().
    async prefetchPage(events: readonly RecordedEvent[], read: ProjectionReader) {
      const ids: string[] = [];
      for (const event of events) {
        if (event.type !== 'QueryRegistered') continue;
        const r = (asLedgerRecorded(event) as RecordedOf<'QueryRegistered'>).data;
        if (typeof r?.plannedAt !== 'string' || typeof r.subject?.personId !== 'string') continue;
        ids.push(...groupsAhead(keyOf(r.agencyCode, r.accountId, r.operationCode, r.subject.personId, r.caseNumber), taipeiDay(r.plannedAt)));
      }
      if (ids.length > 0) await read.prefetch(QUERY_LOGS.groups, ids);
    },
    async project(event: RecordedEvent, read: ProjectionReader) {
      const t = new Touched(read);
      const e = asLedgerRecorded(event);
      await (handlers[e.type as keyof Handlers] as (ev: typeof e, t: Touched) => Promise<void>)(e, t);
      return t.writes();
    },
  };
}
