import { createHash, hash as oneShotHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import * as iconv from 'iconv-lite';
import {
  accountDecider,
  accountStreamId,
  checkLogLine,
  DomainRuleError,
  explainUnregisteredDuty,
  fold,
  isIdSegment,
  isLogPeriod,
  LineContext,
  lineIdentity,
  mapHeader,
  ParsedLogLine,
  ProtectedQuerySubject,
  QUERY_LOG_CHUNK_LINES,
  QUERY_LOG_LAYOUT,
  queryLogDecider,
  QueryLogEncoding,
  QueryLogEvent,
  QueryLogState,
  queryLogStreamId,
  RejectedLogLine,
  splitCsvLine,
  upcastAll,
  ValidationError,
  type LoggedQueryLine,
  type QueryLogFile,
} from '@ledger/domain';
import type { EventStore, NewEvent } from '@ledger/event-store';
import { containsTaiwanId, validateTaiwanId, type PersonalDataProtector } from '@ledger/personal-data';
import { queryLogImport, unregisteredOfImportAfterLine, type UnregisteredLine } from '@ledger/projections';
import type { ReadModelStore } from '@ledger/read-models';

/**
 * The WebIR query log import (要點 九(二)), shared by `POST /query-logs` and `npm run cli -- import-log`.
 *
 * The file is read from disk three times, a line at a time, so memory stays bounded whatever its
 * size: (0) its SHA-256, byte length and encoding (UTF-8 with or without BOM, else Big5/CP950); (1)
 * every line checked, nothing written — a file whose header cannot be mapped is refused whole; (2)
 * the events appended: the start with digest, period and counts, then accepted lines (subjects
 * protected) and rejected lines (line number and reason, never the content) in chunks of the size
 * recorded at the start (QUERY_LOG_CHUNK_LINES for a new import) in line order, then the completion.
 * Last, once the query-logs read model has the file, each accepted query without a registration is
 * recorded as UNREGISTERED_QUERY (opening its explanation duty).
 *
 * Why accept the good lines of a file with bad ones, rather than refuse the file: the log is the
 * evidence of what WebIR recorded; refusing a month's file over one garbled line would leave every
 * other query of the month unreconciled, while recording the bad line with its number and reason
 * keeps the file's full account (accepted + rejected = its lines) for the auditor, and the digest
 * says which file it was. No line is ever half-recorded: a line is wholly accepted or wholly rejected.
 */

export interface QueryLogImportRequest {
  path: string;
  agencyCode: string;
  /** YYYY-MM, the Asia/Taipei month the file covers. */
  period: string;
  fileName?: string;
  /** The agency's administrator account that downloaded the log (要點 九(二)), when named. */
  downloadedBy?: string;
  actor: string;
  /** Forces the encoding instead of detecting it. */
  encoding?: QueryLogEncoding;
}

export interface QueryLogImportDeps {
  store: EventStore;
  protector: PersonalDataProtector;
  readModels: ReadModelStore;
  clock: () => Date;
  /** Resolves once the query-logs read model has applied the event at `position`. */
  waitForQueryLogs(position: bigint): Promise<void>;
  windowDays: number;
  explainDays: number;
  /**
   * Lines per chunk event of a new import (default QUERY_LOG_CHUNK_LINES). An import cut short is
   * resumed with the size recorded when it started, whatever this is.
   */
  chunkLines?: number;
  /** Lines read so far in the current pass, for a progress bar. */
  onProgress?(pass: 'check' | 'append' | 'reconcile', lines: number, totalLines: number): void;
}

export interface QueryLogImportResult {
  importId: string;
  streamId: string;
  agencyCode: string;
  period: string;
  sha256: string;
  byteLength: number;
  encoding: QueryLogEncoding;
  lineCount: number;
  acceptedCount: number;
  rejectedCount: number;
  /** True when this file had been imported (and reconciled) before: nothing was appended. */
  alreadyImported: boolean;
  /** True when an import of this file cut short before was completed now. */
  resumed: boolean;
  matchedCount: number;
  unregisteredCount: number;
  /** The first rejected lines (at most 20); all of them are in the ledger and in GET /query-logs/{importId}/rejected-lines. */
  rejectedSample: RejectedLogLine[];
  eventsAppended: number;
  position: string;
}

/** The largest file taken: a month of a big agency is far below (≈ 150 bytes a line). */
export const MAX_LOG_BYTES = 1024 * 1024 * 1024;
/** Events per append: one transaction writes several chunks. */
const EVENTS_PER_APPEND = 8;
/**
 * Queries per UnregisteredQueriesFound event. Unlike the line chunks these stay at 500: a listed
 * query is four short ASCII fields (≈ 140 one-byte characters), so 500 of them are ≈ 70 KB of JSON,
 * under V8's large-object size, and fewer events cost less to seal, store and project. A resumed
 * listing goes on after the last line listed, so its page size may differ from the first run's.
 */
const UNREGISTERED_PAGE = 500;

export class QueryLogFileError extends ValidationError {}

export async function fileFacts(path: string, forced?: QueryLogEncoding): Promise<{ sha256: string; byteLength: number; encoding: QueryLogEncoding }> {
  const hash = createHash('sha256');
  let byteLength = 0;
  let first: Buffer | undefined;
  // TextDecoder with fatal: any byte sequence that is not UTF-8 means the file is Big5 (CP950).
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let isUtf8 = forced === undefined;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    if (!first) first = buf;
    hash.update(buf);
    byteLength += buf.length;
    if (byteLength > MAX_LOG_BYTES) throw new QueryLogFileError('file', `must be at most ${MAX_LOG_BYTES} bytes`);
    if (isUtf8) {
      try {
        utf8.decode(buf, { stream: true });
      } catch {
        isUtf8 = false;
      }
    }
  }
  if (isUtf8) {
    try {
      utf8.decode();
    } catch {
      isUtf8 = false;
    }
  }
  const bom = first !== undefined && first.length >= 3 && first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf;
  const encoding: QueryLogEncoding = forced ?? (bom ? 'UTF-8-BOM' : isUtf8 ? 'UTF-8' : 'BIG5');
  return { sha256: hash.digest('hex'), byteLength, encoding };
}

/** The file's physical lines, decoded, numbered from 1 (the header); `onBytes` sees every byte read, in order. */
export async function* fileLines(path: string, encoding: QueryLogEncoding, onBytes?: (chunk: Buffer) => void): AsyncGenerator<{ lineNo: number; text: string }> {
  const decode: { write(b: Buffer): string; end(): string | undefined } =
    encoding === 'BIG5' ? iconv.getDecoder('cp950') : new StringDecoder('utf8');
  let rest = '';
  let lineNo = 0;
  let first = true;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    onBytes?.(chunk as Buffer);
    let text = rest + decode.write(chunk as Buffer);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      yield { lineNo: ++lineNo, text: text.slice(start, end) };
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  const tail = rest + (decode.end() ?? '');
  if (tail.length > 0) yield { lineNo: ++lineNo, text: tail.endsWith('\r') ? tail.slice(0, -1) : tail };
}

const normalizeId = (text: string): string | undefined => {
  const r = validateTaiwanId(text.trim());
  return r.ok ? r.normalized : undefined;
};

/**
 * The lines seen so far, by 96 bits of the SHA-256 of their content, with the number of the first
 * line of each: an open-addressing table in typed arrays (16 bytes a slot, at most half full), so a
 * million lines take ≈ 32 MB and no object per line, where a Map of strings took several times that
 * and kept the garbage collector busy. Two different lines collide with odds of 1 in 2^57 for a million.
 */
export class LineIds {
  private keys = new Uint32Array(3 * 1024);
  private lines = new Int32Array(1024);
  private size = 0;

  /** The first line with this digest, or undefined after recording `lineNo` as the first. */
  firstOrAdd(digest: Buffer, lineNo: number): number | undefined {
    if (2 * (this.size + 1) > this.lines.length) this.grow();
    const a = digest.readUInt32LE(0);
    const b = digest.readUInt32LE(4);
    const c = digest.readUInt32LE(8);
    const mask = this.lines.length - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const line = this.lines[i];
      if (line === 0) {
        this.keys[3 * i] = a;
        this.keys[3 * i + 1] = b;
        this.keys[3 * i + 2] = c;
        this.lines[i] = lineNo;
        this.size++;
        return undefined;
      }
      if (this.keys[3 * i] === a && this.keys[3 * i + 1] === b && this.keys[3 * i + 2] === c) return line;
    }
  }

  private grow(): void {
    const { keys, lines } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.lines = new Int32Array(lines.length * 2);
    const mask = this.lines.length - 1;
    for (let j = 0; j < lines.length; j++) {
      if (lines[j] === 0) continue;
      let i = keys[3 * j] & mask;
      while (this.lines[i] !== 0) i = (i + 1) & mask;
      this.keys.set(keys.subarray(3 * j, 3 * j + 3), 3 * i);
      this.lines[i] = lines[j];
    }
  }
}

/** SHA-256 in one call where Node has crypto.hash (20.12+): no Hash object per line. */
const sha256 = (text: string): Buffer => (typeof oneShotHash === 'function' ? (oneShotHash('sha256', text, 'buffer') as unknown as Buffer) : createHash('sha256').update(text).digest());

type LineDecision = { ok: true; line: ParsedLogLine } | { ok: false; rejected: RejectedLogLine };

/**
 * The repeated lines pass 1 found, in line order, each with the line it repeats: pass 2 reads the
 * same bytes (its digest is checked), so it takes these instead of hashing every line again, and
 * the table of every line's fingerprint (≈ 32 MB for a million lines) is dropped after pass 1.
 */
class DuplicateLines {
  private pairs = new Int32Array(256);
  private size = 0;
  private next = 0;

  add(lineNo: number, earlier: number): void {
    if (2 * this.size + 2 > this.pairs.length) {
      const grown = new Int32Array(this.pairs.length * 2);
      grown.set(this.pairs);
      this.pairs = grown;
    }
    this.pairs[2 * this.size] = lineNo;
    this.pairs[2 * this.size + 1] = earlier;
    this.size++;
  }

  /** The line that `lineNo` repeats, or undefined; asked in increasing line order. */
  earlierOf(lineNo: number): number | undefined {
    while (this.next < this.size && this.pairs[2 * this.next] < lineNo) this.next++;
    return this.next < this.size && this.pairs[2 * this.next] === lineNo ? this.pairs[2 * this.next + 1] : undefined;
  }
}

/**
 * Line checks of both passes: pass 1 decides every line, finding repeats by fingerprint; pass 2
 * decides the same lines the same way (the layout checks are pure) and takes the repeats pass 1 found.
 */
class LineChecker {
  private seen: LineIds | undefined = new LineIds();
  private readonly duplicates = new DuplicateLines();
  constructor(private readonly ctx: LineContext) {}

  /** Pass 1. */
  check(lineNo: number, text: string): LineDecision {
    const r = this.layout(lineNo, text);
    if (!r.ok) return r;
    const earlier = this.seen!.firstOrAdd(sha256(lineIdentity(r.line)), lineNo);
    if (earlier === undefined) return r;
    this.duplicates.add(lineNo, earlier);
    return duplicate(lineNo, earlier);
  }

  /** After pass 1: the fingerprints are no longer needed. */
  endFirstPass(): void {
    this.seen = undefined;
  }

  /** Pass 2, over the same bytes. */
  recheck(lineNo: number, text: string): LineDecision {
    const r = this.layout(lineNo, text);
    if (!r.ok) return r;
    const earlier = this.duplicates.earlierOf(lineNo);
    return earlier === undefined ? r : duplicate(lineNo, earlier);
  }

  private layout(lineNo: number, text: string): LineDecision {
    if (text.includes('\uFFFD')) {
      return { ok: false, rejected: { lineNo, code: 'BAD_ENCODING', reason: '含無法解碼之字元(檔案應為 UTF-8 或 Big5)' } };
    }
    const r = checkLogLine(text, this.ctx);
    if (!r.ok) return { ok: false, rejected: { lineNo, code: r.code, ...(r.field ? { field: r.field } : {}), reason: r.reason } };
    return r;
  }
}

const duplicate = (lineNo: number, earlier: number): LineDecision => ({ ok: false, rejected: { lineNo, code: 'DUPLICATE_LINE', reason: `與第 ${earlier} 行重複` } });

interface Header {
  columns: string[];
  ctx: LineContext;
}

async function readHeader(path: string, encoding: QueryLogEncoding, agencyCode: string, period: string): Promise<Header> {
  for await (const { text } of fileLines(path, encoding)) {
    const split = splitCsvLine(text);
    if (!split.ok) throw new QueryLogFileError('file', `header line: ${split.reason}`);
    const mapping = mapHeader(split.cells);
    if (!mapping.ok) throw new QueryLogFileError('file', `header line: ${mapping.reason}`);
    return {
      columns: mapping.columns.map((c) => c ?? 'ignored'),
      ctx: { agencyCode, period, columns: mapping.columns, normalizeId, containsId: containsTaiwanId },
    };
  }
  throw new QueryLogFileError('file', 'is empty: the first line must be the header (docs/webir-log-layout.md)');
}

function uuidFrom(...parts: (string | number)[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Appends a stream's events with the expected revision; ids follow from the import and the revision, so a retried append is a no-op. */
class StreamWriter {
  private readonly pending: QueryLogEvent[] = [];
  revision: number;
  appended = 0;
  position = 0n;
  /**
   * The stream's state as of `revision`: the state it started from with every event this writer
   * appended; undefined once an append turned out to be a replay of events already there.
   */
  folded: QueryLogState | undefined;
  constructor(
    private readonly store: EventStore,
    private readonly streamId: string,
    private readonly importId: string,
    existing: number,
    private readonly actor: string,
    private readonly now: () => Date,
    from?: QueryLogState,
  ) {
    this.revision = existing - 1;
    this.folded = from;
  }

  async add(event: QueryLogEvent): Promise<void> {
    this.pending.push(event);
    if (this.pending.length >= EVENTS_PER_APPEND) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const commandId = uuidFrom('query-log-import', this.importId);
    const occurredAt = this.now().toISOString();
    const events: NewEvent[] = this.pending.map((e, i) => ({
      eventId: uuidFrom('query-log-event', this.importId, this.revision + 1 + i),
      type: e.type,
      data: e.data as Record<string, unknown>,
      metadata: { $correlationId: commandId, $causationId: commandId, commandId, actor: this.actor, occurredAt },
    }));
    const batch = this.pending.splice(0);
    const result = await this.store.append(this.streamId, events, this.revision < 0 ? 'no_stream' : this.revision);
    this.revision = result.nextExpectedRevision;
    this.position = result.position;
    if (!result.idempotentReplay) this.appended += events.length;
    if (result.idempotentReplay || !this.folded) this.folded = undefined;
    else for (const e of batch) this.folded = queryLogDecider.evolve(this.folded, e);
  }
}

export async function importQueryLog(deps: QueryLogImportDeps, req: QueryLogImportRequest): Promise<QueryLogImportResult> {
  if (!isIdSegment(req.agencyCode)) throw new ValidationError('agency', 'must be an agency code');
  if (!isLogPeriod(req.period)) throw new ValidationError('month', 'must be YYYY-MM');
  const facts = await fileFacts(req.path, req.encoding);
  const header = await readHeader(req.path, facts.encoding, req.agencyCode, req.period);

  // Pass 1: check every line, write nothing.
  let lineCount = 0;
  let acceptedCount = 0;
  const rejectedSample: RejectedLogLine[] = [];
  const checker = new LineChecker(header.ctx);
  {
    for await (const { lineNo, text } of fileLines(req.path, facts.encoding)) {
      if (lineNo === 1 || text.trim() === '') continue;
      lineCount++;
      const r = checker.check(lineNo, text);
      if (r.ok) acceptedCount++;
      else if (rejectedSample.length < 20) rejectedSample.push(r.rejected);
      if (lineCount % 10_000 === 0) deps.onProgress?.('check', lineCount, 0);
    }
    checker.endFirstPass();
  }
  const rejectedCount = lineCount - acceptedCount;

  const file: QueryLogFile = { sha256: facts.sha256, byteLength: facts.byteLength, encoding: facts.encoding, layout: QUERY_LOG_LAYOUT, columns: header.columns };
  if (req.fileName && req.fileName.length <= 200 && !containsTaiwanId(req.fileName) && ![...req.fileName].some((c) => c.charCodeAt(0) < 32)) file.fileName = req.fileName;

  const command = {
    type: 'StartQueryLogImport' as const,
    agencyCode: req.agencyCode,
    period: req.period,
    file,
    lineCount,
    acceptedCount,
    rejectedCount,
    chunkLines: deps.chunkLines ?? QUERY_LOG_CHUNK_LINES,
    ...(req.downloadedBy ? { downloadedBy: { accountId: req.downloadedBy, account: await accountNow(deps.store, req.downloadedBy) } } : {}),
  };
  // The stream id follows from the digest: validated by the decider before anything is read.
  const started = queryLogDecider.decide(command, queryLogDecider.initialState(), { now: deps.clock(), occurredAt: deps.clock(), actor: req.actor });
  const startEvent = started[0] as Extract<QueryLogEvent, { type: 'QueryLogImportStarted' }>;
  const importId = startEvent.data.importId;
  const streamId = queryLogStreamId(importId);

  const state = await foldStream(deps.store, streamId);
  const recorded = state.status === 'NONE' ? 0 : state.events;
  // Refuses the same bytes declared for another month; appends nothing for the same file again.
  const decided = queryLogDecider.decide(command, state, { now: deps.clock(), occurredAt: deps.clock(), actor: req.actor });
  const resumed = state.status === 'IMPORTING' || state.status === 'COMPLETED';
  const alreadyImported = state.status === 'RECONCILED';
  const writer = new StreamWriter(deps.store, streamId, importId, recorded, req.actor, deps.clock, state);
  // The events a resumed import skips are those the first run wrote: its lines cut at its size.
  const chunkLines = state.status === 'NONE' ? startEvent.data.chunkLines : state.chunkLines;

  if (state.status === 'NONE' || state.status === 'IMPORTING') {
    // Pass 2: the events, in a fixed order; on a resumed import the ones already recorded are skipped.
    const existing = recorded;
    let index = 0;
    // Events to append, in order, held until EVENTS_PER_APPEND of them are in hand:
    // their subjects new to this import are then protected in one vault transaction, where one per
    // chunk cost a commit per 150 lines (each writing ≈ 90 pages of the vault's B-trees to its WAL).
    const queue: { make: () => Promise<QueryLogEvent> | QueryLogEvent; subjects?: string[] }[] = [];
    // A group's subjects are protected (on the sealer's thread) while the group before it is
    // appended and the lines after it are read: awaited one after the other, this thread sat idle
    // for the vault ≈ 10 % of the import. Groups are appended in order; at most two are in hand.
    let appending: Promise<void> = Promise.resolve();
    const drain = async () => {
      const group = queue.splice(0);
      const subjects = group.flatMap((q) => q.subjects ?? []);
      const protecting = subjects.length > 0 ? protectAll(subjects) : undefined;
      const previous = appending;
      appending = (async () => {
        await previous;
        await protecting;
        for (const q of group) await writer.add(await q.make());
      })();
      // Handled here so that a failure waits, without an unhandled rejection, for the await that reports it.
      appending.catch(() => undefined);
      await previous;
    };
    const emit = async (make: () => Promise<QueryLogEvent> | QueryLogEvent, subjects?: string[]) => {
      if (index++ < existing) return;
      queue.push({ make, subjects });
      if (queue.length === EVENTS_PER_APPEND) await drain();
    };
    if (decided.length > 0) await emit(() => decided[0]);
    else index++;
    // A person queried often is protected once per import (bounded cache).
    const cache = new Map<string, ProtectedQuerySubject>();
    // Answered from what it found and made, not from the cache afterwards: a call running beside it may clear the cache.
    const protectAll = async (ids: string[]) => {
      const found = new Map<string, ProtectedQuerySubject>();
      const missing: string[] = [];
      for (const id of new Set(ids)) {
        const cached = cache.get(id);
        if (cached) found.set(id, cached);
        else missing.push(id);
      }
      if (missing.length > 0) {
        const subjects = await deps.protector.protectIdentifiers(missing);
        if (cache.size + missing.length > 50_000) cache.clear();
        missing.forEach((id, i) => {
          found.set(id, subjects[i]);
          cache.set(id, subjects[i]);
        });
      }
      return ids.map((id) => found.get(id)!);
    };
    let accepted: { lineNo: number; line: ParsedLogLine }[] = [];
    let rejected: RejectedLogLine[] = [];
    let acceptedChunk = 0;
    let rejectedChunk = 0;
    let first: string | null = null;
    let last: string | null = null;
    const flushAccepted = async () => {
      const lines = accepted;
      accepted = [];
      const chunk = acceptedChunk++;
      const ids = lines.map((l) => l.line.nationalId);
      await emit(async () => {
        const subjects = await protectAll(ids);
        const out: LoggedQueryLine[] = lines.map(({ lineNo, line }, i) => ({
          lineNo, accountId: line.accountId, loggedAt: line.loggedAt, operationCode: line.operationCode, subject: subjects[i], caseNumber: line.caseNumber, reason: line.reason, outcomeCode: line.outcomeCode,
        }));
        return { type: 'QueryLogLinesAccepted', data: { importId, agencyCode: req.agencyCode, period: req.period, chunk, lines: out } };
      }, ids);
    };
    const flushRejected = async () => {
      const lines = rejected;
      rejected = [];
      const chunk = rejectedChunk++;
      await emit(() => ({ type: 'QueryLogLinesRejected', data: { importId, agencyCode: req.agencyCode, period: req.period, chunk, lines } }));
    };
    let seen = 0;
    try {
      // Pass 2 must read the bytes pass 1 checked: the repeats it found are taken as found.
      const digest = createHash('sha256');
      for await (const { lineNo, text } of fileLines(req.path, facts.encoding, (bytes) => digest.update(bytes))) {
        if (lineNo === 1 || text.trim() === '') continue;
        const r = checker.recheck(lineNo, text);
        if (r.ok) {
          accepted.push({ lineNo, line: r.line });
          if (first === null || r.line.loggedAt < first) first = r.line.loggedAt;
          if (last === null || r.line.loggedAt > last) last = r.line.loggedAt;
          if (accepted.length === chunkLines) await flushAccepted();
        } else {
          rejected.push(r.rejected);
          if (rejected.length === chunkLines) await flushRejected();
        }
        if (++seen % 10_000 === 0) deps.onProgress?.('append', seen, lineCount);
      }
      if (seen !== lineCount || digest.digest('hex') !== facts.sha256) throw new Error('the file changed between the check and the import; nothing more is appended — send it again');
      if (accepted.length > 0) await flushAccepted();
      if (rejected.length > 0) await flushRejected();
      await emit(() => ({
        type: 'QueryLogImportCompleted',
        data: { importId, agencyCode: req.agencyCode, period: req.period, sha256: facts.sha256, lineCount, acceptedCount, rejectedCount, firstLoggedAt: first, lastLoggedAt: last },
      }));
      await drain();
      await appending;
    } finally {
      // Nothing goes on appending once this import has failed: a group in hand is finished or failed first.
      await appending.catch(() => undefined);
    }
    await writer.flush();
  }

  let matchedCount = 0;
  let unregisteredCount = 0;
  if (!alreadyImported) {
    // Reconciliation: the read model must hold this file and every registration recorded before now.
    const head = (await deps.store.readStream(streamId, { direction: 'backwards', maxCount: 1 }))[0];
    await deps.waitForQueryLogs(head.position);
    // The stream as this run left it, unless another process appended to it since (looked at after
    // the wait): then it is read again. A million-line file is ≈ 2,000 chunk events, ≈ 3 % of the
    // import's time to read back.
    const last = writer.folded ? (await deps.store.readStream(streamId, { direction: 'backwards', maxCount: 1 }))[0] : undefined;
    const full = writer.folded && last?.revision === writer.revision ? writer.folded : await foldStream(deps.store, streamId);
    const reconciling = new StreamWriter(deps.store, streamId, importId, full.status === 'NONE' ? 0 : full.events, req.actor, deps.clock);
    const window = { days: deps.windowDays };
    const duty = explainUnregisteredDuty(deps.clock(), deps.explainDays);
    // Counted before this run appends anything: the read model holds every earlier listing by now.
    const before = await queryLogImport(deps.readModels, importId);
    let listed = before?.foundUnregistered ?? 0;
    let chunk = full.status === 'NONE' ? 0 : full.unregisteredChunks;
    // The import's unregistered queries in line order, a page at a time from the read model's
    // (importId, status, seq) index: only those lines are read, and the cost grows with them, never
    // with what earlier pages skipped. A resumed reconciliation goes on after its last listing.
    let after = full.status !== 'NONE' ? full.lastUnregisteredLineNo : 0;
    let page: UnregisteredLine[] = [];
    const emitPage = async () => {
      if (page.length === 0) return;
      const queries = page;
      page = [];
      await reconciling.add({ type: 'UnregisteredQueriesFound', data: { importId, agencyCode: req.agencyCode, period: req.period, chunk: chunk++, anomaly: 'UNREGISTERED_QUERY', window, queries, duty } });
      listed += queries.length;
      deps.onProgress?.('reconcile', listed, acceptedCount);
    };
    for (;;) {
      const found = await unregisteredOfImportAfterLine(deps.readModels, importId, after, UNREGISTERED_PAGE);
      for (const doc of found) {
        page.push(doc);
        if (page.length === UNREGISTERED_PAGE) await emitPage();
      }
      if (found.length < UNREGISTERED_PAGE) break;
      after = found[found.length - 1].lineNo;
    }
    await emitPage();
    await reconciling.flush();
    matchedCount = before?.matched ?? 0;
    unregisteredCount = listed;
    await reconciling.add({ type: 'QueryLogReconciled', data: { importId, agencyCode: req.agencyCode, period: req.period, window, matchedCount, unregisteredCount } });
    await reconciling.flush();
    writer.appended += reconciling.appended;
    writer.position = reconciling.position > writer.position ? reconciling.position : writer.position;
  } else {
    const reconciled = (await deps.store.readStream(streamId, { direction: 'backwards', maxCount: 1 }))[0];
    const d = reconciled.data as { matchedCount?: number; unregisteredCount?: number };
    matchedCount = d.matchedCount ?? 0;
    unregisteredCount = d.unregisteredCount ?? 0;
    writer.position = reconciled.position;
  }

  return {
    importId, streamId, agencyCode: req.agencyCode, period: req.period, sha256: facts.sha256, byteLength: facts.byteLength, encoding: facts.encoding,
    lineCount, acceptedCount, rejectedCount, alreadyImported, resumed: resumed && !alreadyImported, matchedCount, unregisteredCount, rejectedSample,
    eventsAppended: writer.appended, position: writer.position.toString(),
  };
}

/**
 * The import stream's state, read a few events at a time: a million-line file is ≈ 2,000 chunk
 * events (≈ 300 MB of JSON), which must never be in memory at once.
 */
async function foldStream(store: EventStore, streamId: string): Promise<QueryLogState> {
  let state = queryLogDecider.initialState();
  for (let from = 0; ; ) {
    const page = await store.readStream(streamId, { fromRevision: from, maxCount: 16 });
    for (const event of upcastAll(page) as unknown as QueryLogEvent[]) state = queryLogDecider.evolve(state, event);
    if (page.length < 16) return state;
    from += page.length;
  }
}

async function accountNow(store: EventStore, accountId: string) {
  let streamId: string;
  try {
    streamId = accountStreamId(accountId);
  } catch {
    throw new ValidationError('downloadedBy', 'must be an account id <agencyCode>.ADMIN.<holderKey>');
  }
  return fold(accountDecider, upcastAll(await store.readStream(streamId)) as never);
}

export const isRefusal = (error: unknown) => error instanceof DomainRuleError || error instanceof ValidationError;
