/**
 * Embedded event-store benchmark: `npm run bench:store`.
 *
 * Measures SqliteEventStore (hash chain on, synchronous=FULL, WAL) on ≈1 KB JSON events:
 *   (a) sequential one-event appends — events/s, p50/p99 latency
 *   (b) 64 concurrent writers, one event per call, different streams — events/s
 *   (c) batches of 100 and of 1,000 — events/s
 *   (d) read-all — events/s
 *   (e) verify-all — events/s
 * and, in the same run, the same rows written and read with plain better-sqlite3 (same schema,
 * same pragmas, same hashing, one transaction per batch, prepared INSERT/SELECT) as the baseline.
 *
 * Both databases receive identical events (same ids, data and metadata) in the same order, so
 * they have the same size when read; ours and the baseline are interleaved call by call for
 * (a) and (c) so that drift on the machine hits both alike. Files live under ./.bench/ (gitignored)
 * and are deleted afterwards. It always exits 0 unless it crashes: PASS/FAIL is printed.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  canonicalJson,
  computeEventHash,
  GENESIS_HASH,
  SCHEMA_SQL,
  sealEvents,
  SqliteEventStore,
  verifyLedger,
  type EventMetadata,
  type ExpectedRevision,
  type NewEvent,
} from '@ledger/event-store';
import { checkInclusionBundles, generateSignerKey, signCheckpoint, toBase64, verifierOf, type InclusionProofBundle } from '@ledger/integrity';

// ---------------------------------------------------------------------------------------------
// Sizes (whole run well under 2 minutes on 2 cores)
// ---------------------------------------------------------------------------------------------
const SEQ_APPENDS = 2_000;
const SEQ_STREAMS = 50;
const WRITERS = 64;
const APPENDS_PER_WRITER = 100;
const BATCHES_100 = 100;
const BATCHES_1000 = 40; // 4 a round in (c)'s tree on vs off: 2 a round left the rounds' ratios too noisy under load
const MIN_TOTAL_EVENTS = 60_000;
const FILL_CONCURRENCY = 500;
const FILL_EVENTS_PER_STREAM = 4;
const PAGE_SIZE = 5_000; // the verifier's default page size; both sides read in pages of this
const READ_PASSES = 5; // (d)/(e): median of this many measured passes, after one warm-up pass
const TARGET_B = 5_000;
const TARGET_C = 0.7;
const TARGET_TREE = 0.9; // issue 9: batched appends with the Merkle tree ≥ 0.9 × without
const TREE_ROUNDS = 10; // (c) tree on vs off: rounds whose ratios' median is reported
const TARGET_D = 0.6;
const EVENT_BYTES = 1_024;
/** Events in the large ledger for (g)–(j): 1M by default (issue 9 and issue 8 figures); smaller via env on a busy machine. */
const LARGE_EVENTS = Number(process.env.BENCH_LARGE_EVENTS ?? 1_000_000);
const LARGE_EVENT_BYTES = 300;
const PROOF_SAMPLES = 1_000;
const OFFLINE_PROOFS = 10_000;
const TARGET_JCS = 1.0;
const TARGET_REBUILD = 200_000;
const TARGET_PROOF_P95_MS = 5;
const TARGET_OFFLINE_S = 2;
const TARGET_HEALTH_P99_MS = 50;

// ---------------------------------------------------------------------------------------------
// Events: a query registration with a few string fields, padded to ≈1 KB of JSON
// ---------------------------------------------------------------------------------------------
const DEPARTMENTS = ['Burgerzaken', 'Sociale Zaken', 'Belastingen', 'Handhaving', 'Wonen', 'Jeugd'];
const PURPOSES = [
  'verification of residence for a housing benefit application',
  'address check before sending an enforcement notice',
  'identity check at the front desk for a passport renewal',
  'eligibility review for the municipal income support scheme',
];
const LEGAL_BASES = ['Wet BRP art. 3.3 lid 1', 'Participatiewet art. 64', 'Gemeentewet art. 160', 'AVG art. 6 lid 1 sub e'];
const FILLER =
  'The clerk consulted the register on behalf of the case owner; the lookup was limited to the ' +
  'fields needed for the stated purpose and the result was attached to the case file. ';

let eventSeq = 0;

function makeEvent(streamId: string, bytes = EVENT_BYTES): NewEvent {
  const n = ++eventSeq;
  const correlationId = randomUUID();
  const now = new Date().toISOString();
  const data: Record<string, unknown> = {
    queryId: streamId.slice(streamId.indexOf('-') + 1),
    requestedBy: `clerk-${String(n % 173).padStart(4, '0')}@city.example`,
    department: DEPARTMENTS[n % DEPARTMENTS.length],
    purpose: PURPOSES[n % PURPOSES.length],
    legalBasis: LEGAL_BASES[n % LEGAL_BASES.length],
    caseNumber: `CASE-2025-${String(n).padStart(7, '0')}`,
    subjectRef: randomUUID().replace(/-/g, ''),
    requestedFields: ['name', 'address', 'dateOfBirth', 'registrationDate', 'nationality'],
    channel: 'webir-api',
    requestedAt: now,
    notes: '',
  };
  const missing = bytes - JSON.stringify(data).length;
  if (missing > 0) {
    const start = n % FILLER.length;
    data.notes = (FILLER + FILLER + FILLER + FILLER + FILLER + FILLER + FILLER).slice(start, start + missing);
  }
  return {
    eventId: randomUUID(),
    type: 'QueryRegistered',
    data,
    metadata: {
      $correlationId: correlationId,
      $causationId: correlationId,
      commandId: randomUUID(),
      actor: `user:clerk-${String(n % 173).padStart(4, '0')}`,
      occurredAt: now,
      schemaVersion: 1,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Baseline: plain better-sqlite3, same schema, pragmas and hashing, one transaction per batch
// ---------------------------------------------------------------------------------------------
interface BaselineRow {
  position: number;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  data: string | Record<string, unknown>;
  metadata: string | EventMetadata;
}

class Baseline {
  readonly db: Database.Database;
  private readonly heads = new Map<string, { revision: number; hash: string }>();
  private readonly insert: Database.Statement<[string, number, string, string, string, string, string]>;
  private readonly page: Database.Statement<[number, number], BaselineRow>;
  /** One transaction for a list of (stream, events) appends: a batch, or a round of writers. */
  readonly appendMany: (appends: Array<[string, NewEvent[]]>) => void;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA_SQL);
    this.insert = this.db.prepare(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.page = this.db.prepare(
      'SELECT position, stream_id, revision, event_id, type, data, metadata FROM events WHERE position > ? ORDER BY position ASC LIMIT ?',
    );
    this.appendMany = this.db.transaction((appends: Array<[string, NewEvent[]]>) => {
      for (const [streamId, events] of appends) this.appendRows(streamId, events);
    });
  }

  append(streamId: string, events: NewEvent[]): void {
    this.appendMany([[streamId, events]]);
  }

  private appendRows(streamId: string, events: NewEvent[]): void {
    // The same sealing (revisions, recordedAt, hash chain) as the store, so only the storage differs.
    const sealed = sealEvents(streamId, this.heads.get(streamId), events, new Date().toISOString());
    for (const e of sealed) {
      this.insert.run(streamId, e.revision, e.eventId, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), e.metadata.hash);
    }
    const last = sealed[sealed.length - 1];
    this.heads.set(streamId, { revision: last.revision, hash: last.metadata.hash });
  }

  /** Plain prepared SELECT in pages, JSON.parse of data and metadata per row. */
  readAll(onPage?: (rows: BaselineRow[]) => void): number {
    let after = 0;
    let count = 0;
    for (;;) {
      const rows = this.page.all(after, PAGE_SIZE);
      for (const row of rows) {
        row.data = JSON.parse(row.data as string) as Record<string, unknown>;
        row.metadata = JSON.parse(row.metadata as string) as EventMetadata;
      }
      if (onPage) onPage(rows);
      count += rows.length;
      if (rows.length > 0) after = rows[rows.length - 1].position;
      if (rows.length < PAGE_SIZE) return count;
    }
  }

  /** The verifier's checks (hash recomputed, prevHash link, revision order) as a plain loop. */
  verifyAll(): { events: number; failures: number } {
    const heads = new Map<string, { revision: number; hash: string }>();
    let failures = 0;
    const events = this.readAll((rows) => {
      for (const row of rows) {
        const metadata = row.metadata as EventMetadata;
        const head = heads.get(row.stream_id);
        if (row.revision !== (head ? head.revision + 1 : 0)) failures++;
        if (metadata.prevHash !== (head ? head.hash : GENESIS_HASH)) failures++;
        const hash = computeEventHash({
          streamId: row.stream_id,
          revision: row.revision,
          type: row.type,
          data: row.data as Record<string, unknown>,
          metadata,
        });
        if (hash !== metadata.hash) failures++;
        heads.set(row.stream_id, { revision: row.revision, hash: metadata.hash });
      }
    });
    return { events, failures };
  }

  close(): void {
    this.db.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------
/** Tracks the head revision of every stream on our side, to pass exact expected revisions. */
const ourHeads = new Map<string, number>();

async function oursAppend(store: SqliteEventStore, streamId: string, events: NewEvent[]): Promise<void> {
  const head = ourHeads.get(streamId);
  const expected: ExpectedRevision = head === undefined ? 'no_stream' : head;
  const result = await store.append(streamId, events, expected);
  ourHeads.set(streamId, result.nextExpectedRevision);
}

/**
 * Yield to the event loop before every timed call, on both sides. Without it, V8's pending GC and
 * platform tasks (run by Node between loop phases) land inside whichever side happens to yield —
 * always ours, as the baseline is synchronous — which charged ours ≈0.5–0.8 ms per call.
 */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sortedMs.length) - 1;
  return sortedMs[Math.min(sortedMs.length - 1, Math.max(0, rank))];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function events(streamId: string, count: number): NewEvent[] {
  return Array.from({ length: count }, () => makeEvent(streamId));
}

interface Row {
  name: string;
  events: number;
  seconds: number;
  p50?: number;
  p99?: number;
  baselineRate?: number;
  baselineNote?: string;
  target?: string;
  pass?: boolean;
  note?: string;
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(3));

function printTable(rows: Row[]): void {
  const header = ['measurement', 'events', 'seconds', 'events/s', 'p50 ms', 'p99 ms', 'baseline ev/s', 'ratio', 'target', 'result'];
  const body = rows.map((r) => {
    const rate = r.events / r.seconds;
    const ratio = r.baselineRate === undefined ? undefined : rate / r.baselineRate;
    return [
      r.name,
      fmtInt(r.events),
      r.seconds.toFixed(3),
      fmtInt(rate),
      fmtMs(r.p50),
      fmtMs(r.p99),
      r.baselineRate === undefined ? '—' : fmtInt(r.baselineRate),
      ratio === undefined ? '—' : ratio.toFixed(2) + '×',
      r.target ?? '—',
      r.pass === undefined ? 'info' : r.pass ? 'PASS' : 'FAIL',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 8 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const b of body) console.log(line(b));
}

// ---------------------------------------------------------------------------------------------
// Integrity at scale: (g) tree rebuild, (h) proofs, (i) offline proofs, (j) /health during verify
// ---------------------------------------------------------------------------------------------
/** The serializer the ledger hashed with before RFC 8785, for (f). */
function legacyCanonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    if (value === undefined) return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : legacyCanonicalJson(v))).join(',') + ']';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + legacyCanonicalJson(obj[k])).join(',') + '}';
}

async function timeHealth(port: number, durationMs: number | (() => boolean)): Promise<number[]> {
  const lat: number[] = [];
  const started = performance.now();
  const more = typeof durationMs === 'number' ? () => performance.now() - started < durationMs : durationMs;
  while (more()) {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    await res.text();
    lat.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 5));
  }
  return lat.sort((a, b) => a - b);
}

async function integrityAtScale(dir: string, rows: Row[]): Promise<void> {
  const file = join(dir, 'large.db');
  process.stdout.write(`large ledger: ${fmtInt(LARGE_EVENTS)} events of ≈${LARGE_EVENT_BYTES} B, written directly (not measured) … `);
  {
    const writer = new Baseline(file);
    writer.db.pragma('synchronous = OFF');
    const streams = 20_000;
    for (let written = 0; written < LARGE_EVENTS; ) {
      const round: Array<[string, NewEvent[]]> = [];
      for (let i = 0; i < 2_000 && written < LARGE_EVENTS; i++, written++) {
        const streamId = `query-L${(written * 7919) % streams}`;
        round.push([streamId, [makeEvent(streamId, LARGE_EVENT_BYTES)]]);
      }
      writer.appendMany(round);
    }
    writer.close();
  }
  console.log('done');

  // ---- (g) tree rebuilt from scratch -----------------------------------------------------------
  process.stdout.write('(g) Merkle tree rebuilt from the log … ');
  const plain = new SqliteEventStore({ file, merkleTree: false, synchronous: 'OFF' });
  const rawScan = () => {
    const db = (plain as unknown as { db: Database.Database }).db;
    const page = db.prepare('SELECT position, hash FROM events WHERE position > ? ORDER BY position LIMIT 20000').raw();
    let n = 0;
    for (let after = 0; ; ) {
      const r = page.all(after) as [number, string][];
      for (const row of r) n += row[1].length;
      if (r.length < 20000) return n;
      after = r[r.length - 1][0];
    }
  };
  rawScan(); // warm the page cache for both
  const tScan = performance.now();
  rawScan();
  const scanMs = performance.now() - tScan;
  const cpuBefore = process.cpuUsage();
  const rebuilt = plain.rebuildTree();
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await plain.close();
  rows.push({
    name: `(g) tree rebuild over ${fmtInt(rebuilt.leaves)} events`,
    events: rebuilt.leaves,
    seconds: rebuilt.seconds,
    baselineRate: LARGE_EVENTS / (scanMs / 1000),
    target: `≥ ${fmtInt(TARGET_REBUILD)} ev/s`,
    pass: rebuilt.leaves / rebuilt.seconds >= TARGET_REBUILD,
    // CPU time as well: other sessions on a shared machine stretch the wall clock, not the work.
    note: `baseline: reading the hash column alone; CPU ${cpuSeconds.toFixed(2)} s = ${fmtInt(rebuilt.leaves / cpuSeconds)} events per CPU-second`,
  });
  console.log('done');

  // ---- (h) proofs at this size --------------------------------------------------------------------
  process.stdout.write(`(h) inclusion and consistency proofs at ${fmtInt(LARGE_EVENTS)} … `);
  const store = new SqliteEventStore({ file, synchronous: 'OFF' });
  const tree = store.tree!;
  const size = await tree.size();
  let seed = 42;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
  const incl: number[] = [];
  const cons: number[] = [];
  for (let i = 0; i < PROOF_SAMPLES; i++) {
    const t0 = performance.now();
    await tree.inclusionProof(rand(size), size);
    incl.push(performance.now() - t0);
    const t1 = performance.now();
    await tree.consistencyProof(1 + rand(size - 1), size);
    cons.push(performance.now() - t1);
  }
  incl.sort((a, b) => a - b);
  cons.sort((a, b) => a - b);
  for (const [what, lat] of [['inclusion', incl], ['consistency', cons]] as const) {
    rows.push({
      name: `(h) ${what} proof at ${fmtInt(size)}`,
      events: PROOF_SAMPLES,
      seconds: lat.reduce((a, b) => a + b, 0) / 1000,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      target: `p95 < ${TARGET_PROOF_P95_MS} ms`,
      pass: percentile(lat, 95) < TARGET_PROOF_P95_MS,
      note: `p95 ${percentile(lat, 95).toFixed(3)} ms`,
    });
  }
  console.log(`done (p95 inclusion ${percentile(incl, 95).toFixed(3)} ms, consistency ${percentile(cons, 95).toFixed(3)} ms)`);

  // ---- (i) offline verification of 10,000 inclusion proofs ----------------------------------------
  process.stdout.write(`(i) offline verification of ${fmtInt(OFFLINE_PROOFS)} inclusion proofs … `);
  const signer = generateSignerKey('webir-ledger.bench');
  const note = signCheckpoint({ origin: signer.name, size, rootHash: await tree.root(size), extensions: [] }, signer);
  const hashes = await Promise.all(Array.from({ length: OFFLINE_PROOFS }, () => rand(size)).map(async (i) => ({ i, hash: (await tree.leaves(i, 1))[0] })));
  const bundles: InclusionProofBundle[] = [];
  for (const { i, hash } of hashes) {
    bundles.push({ type: 'inclusion', checkpoint: note, tree_size: size, leaf_index: i, event_hash: hash, inclusion_path: toBase64(await tree.inclusionProof(i, size)) });
  }
  await tick();
  const tOff = performance.now();
  const results = checkInclusionBundles(bundles, [verifierOf(signer)]);
  const offMs = performance.now() - tOff;
  if (!results.every((r) => r.ok)) throw new Error('an honest inclusion proof failed offline verification');
  rows.push({
    name: `(i) offline check of ${fmtInt(OFFLINE_PROOFS)} inclusion proofs`,
    events: OFFLINE_PROOFS,
    seconds: offMs / 1000,
    target: `< ${TARGET_OFFLINE_S} s`,
    pass: offMs / 1000 < TARGET_OFFLINE_S,
  });
  console.log('done');

  // ---- (j) /health while a full verify runs (issue 8 point 8) ---------------------------------------
  process.stdout.write(`(j) /health p99 while a full verify of ${fmtInt(size)} events runs … `);
  const server = createServer((req, res) => {
    void store.health().then((h) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', eventStore: h })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const idle = await timeHealth(port, 3_000);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let running = true;
    const tVerify = performance.now();
    const verifying = verifyLedger(store, { densePositions: true, pageSize: 250, yieldEveryMs: 5 }).finally(() => (running = false));
    const busy = await timeHealth(port, () => running);
    const report = await verifying;
    const verifyS = (performance.now() - tVerify) / 1000;
    loop.disable();
    if (!report.intact) throw new Error(`large ledger verify: ${report.failures.length} failures`);
    rows.push({
      name: `(j) /health during verify of ${fmtInt(report.eventsChecked)} events`,
      events: busy.length,
      seconds: busy.reduce((a, b) => a + b, 0) / 1000,
      p50: percentile(busy, 50),
      p99: percentile(busy, 99),
      target: `p99 < ${TARGET_HEALTH_P99_MS} ms`,
      pass: percentile(busy, 99) < TARGET_HEALTH_P99_MS,
      note: `idle p99 ${percentile(idle, 99).toFixed(1)} ms; verify ${fmtInt(report.eventsChecked / verifyS)} ev/s; loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`,
    });
    console.log(`done (verify ${verifyS.toFixed(1)} s, ${busy.length} health requests, idle p99 ${percentile(idle, 99).toFixed(1)} ms)`);
  } finally {
    server.close();
    await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  const benchRoot = join(__dirname, '..', '.bench');
  const dir = join(benchRoot, `store-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const store = new SqliteEventStore({ file: join(dir, 'ours.db') }); // default synchronous (FULL)
  const base = new Baseline(join(dir, 'baseline.db'));
  // The tree's cost is measured on two stores of their own that differ only in the option and receive
  // the same appends: `store` has by then thousands more events than a fresh store, and a larger
  // event_id index puts more pages in every commit, which would be charged to the tree.
  const treeOn = new SqliteEventStore({ file: join(dir, 'tree-on.db') });
  const treeOff = new SqliteEventStore({ file: join(dir, 'tree-off.db'), merkleTree: false });
  const rows: Row[] = [];
  const started = performance.now();

  try {
    // Report the mode our store actually runs in (read from its own connection).
    const ourDb = (store as unknown as { db: Database.Database }).db;
    const syncNames = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
    const ourSync = syncNames[Number(ourDb.pragma('synchronous', { simple: true }))];
    const baseSync = syncNames[Number(base.db.pragma('synchronous', { simple: true }))];
    const sample = makeEvent('query-sample');
    const cpus = os.cpus();
    console.log('webir-ledger embedded event-store benchmark');
    console.log(`machine:     ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, ${os.platform()} ${os.release()}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
    console.log(`node:        ${process.version}, better-sqlite3 SQLite ${String(ourDb.prepare('SELECT sqlite_version() AS v').pluck().get())}`);
    console.log(`durability:  ours journal_mode=${String(ourDb.pragma('journal_mode', { simple: true }))} synchronous=${ourSync}; baseline journal_mode=${String(base.db.pragma('journal_mode', { simple: true }))} synchronous=${baseSync}`);
    console.log(`events:      ${JSON.stringify(sample.data).length} B data JSON + ${JSON.stringify(sample.metadata).length} B command metadata, hash chain on`);
    console.log(`files:       ${dir} (deleted afterwards)`);
    console.log('');

    // ---- (a) sequential one-event appends --------------------------------------------------
    process.stdout.write('(a) sequential one-event appends … ');
    const seqStream = (i: number) => `query-seq${i % SEQ_STREAMS}`;
    for (let i = 0; i < 100; i++) {
      const e = [makeEvent('query-warmseq')];
      await oursAppend(store, 'query-warmseq', e);
      base.append('query-warmseq', e);
    }
    const seqEvents = Array.from({ length: SEQ_APPENDS }, (_, i) => [makeEvent(seqStream(i))]);
    const latA: number[] = [];
    let oursA = 0;
    let baseA = 0;
    for (let i = 0; i < SEQ_APPENDS; i++) {
      // Alternate which side goes first, so that order effects cancel.
      for (const side of i % 2 ? (['ours', 'base'] as const) : (['base', 'ours'] as const)) {
        await tick();
        const t0 = performance.now();
        if (side === 'ours') {
          await oursAppend(store, seqStream(i), seqEvents[i]);
          const ms = performance.now() - t0;
          latA.push(ms);
          oursA += ms;
        } else {
          base.append(seqStream(i), seqEvents[i]);
          baseA += performance.now() - t0;
        }
      }
    }
    latA.sort((x, y) => x - y);
    rows.push({
      name: '(a) sequential 1-event appends',
      events: SEQ_APPENDS,
      seconds: oursA / 1000,
      p50: percentile(latA, 50),
      p99: percentile(latA, 99),
      baselineRate: SEQ_APPENDS / (baseA / 1000),
      note: 'baseline: one transaction per event',
    });
    console.log('done');

    // ---- (b) 64 concurrent writers ------------------------------------------------------
    process.stdout.write(`(b) ${WRITERS} concurrent writers … `);
    const runWriters = async (prefix: string, perWriter: number, lat?: number[]) => {
      const plan = Array.from({ length: WRITERS }, (_, w) => {
        const streamId = `query-${prefix}${w}`;
        return { streamId, events: Array.from({ length: perWriter }, () => [makeEvent(streamId)]) };
      });
      await tick();
      const t0 = performance.now();
      await Promise.all(
        plan.map(async ({ streamId, events: calls }) => {
          for (const call of calls) {
            const s = performance.now();
            await oursAppend(store, streamId, call);
            lat?.push(performance.now() - s);
          }
        }),
      );
      const oursMs = performance.now() - t0;
      // Baseline: the same rows, one transaction per round of WRITERS events (ideal group commit).
      await tick();
      const t1 = performance.now();
      for (let i = 0; i < perWriter; i++) base.appendMany(plan.map((p) => [p.streamId, p.events[i]]));
      const baseMs = performance.now() - t1;
      return { oursMs, baseMs };
    };
    await runWriters('warmw', 5);
    const latB: number[] = [];
    const b = await runWriters('w', APPENDS_PER_WRITER, latB);
    latB.sort((x, y) => x - y);
    const nB = WRITERS * APPENDS_PER_WRITER;
    rows.push({
      name: `(b) ${WRITERS} concurrent writers, 1 event/call`,
      events: nB,
      seconds: b.oursMs / 1000,
      p50: percentile(latB, 50),
      p99: percentile(latB, 99),
      baselineRate: nB / (b.baseMs / 1000),
      target: `≥ ${fmtInt(TARGET_B)} ev/s`,
      pass: nB / (b.oursMs / 1000) >= TARGET_B,
      note: `baseline: one transaction per round of ${WRITERS} events`,
    });
    console.log('done');

    // ---- (c) batches of 100 and of 1,000 ---------------------------------------------------
    for (const [size, count] of [
      [100, BATCHES_100],
      [1_000, BATCHES_1000],
    ] as const) {
      process.stdout.write(`(c) batches of ${size} … `);
      const warm = events(`query-warmb${size}`, size);
      await oursAppend(store, `query-warmb${size}`, warm);
      base.append(`query-warmb${size}`, warm);
      for (const side of [treeOn, treeOff]) await side.append(`query-warmb${size}`, warm.map((e) => ({ ...e, eventId: randomUUID() })), 'no_stream');
      const batches = Array.from({ length: count }, (_, i) => ({ streamId: `query-b${size}x${i}`, events: events(`query-b${size}x${i}`, size) }));
      let oursMs = 0;
      let baseMs = 0;
      const lat: number[] = [];
      // Tree on vs off in TREE_ROUNDS rounds, each side's time summed per round, the median of the
      // rounds' ratios reported: drift in the machine's load moves both sides of a round alike.
      const perRound = Math.max(1, Math.floor(count / TREE_ROUNDS));
      const rounds: { onMs: number; offMs: number; onCpu: number; offCpu: number }[] = [];
      const orders = [
        ['ours', 'base', 'on', 'off'],
        ['off', 'on', 'base', 'ours'],
        ['base', 'off', 'ours', 'on'],
        ['on', 'ours', 'off', 'base'],
      ] as const;
      for (const [i, batch] of batches.entries()) {
        if (i % perRound === 0) rounds.push({ onMs: 0, offMs: 0, onCpu: 0, offCpu: 0 });
        const round = rounds[rounds.length - 1];
        for (const side of orders[i % orders.length]) {
          await tick();
          const t0 = performance.now();
          if (side === 'ours') {
            await oursAppend(store, batch.streamId, batch.events);
            const ms = performance.now() - t0;
            oursMs += ms;
            lat.push(ms);
          } else if (side === 'base') {
            base.append(batch.streamId, batch.events);
            baseMs += performance.now() - t0;
          } else {
            // The same events again (fresh ids) on the tree-on and tree-off stores.
            const copy = batch.events.map((e) => ({ ...e, eventId: randomUUID() }));
            const c0 = process.cpuUsage();
            const t1 = performance.now();
            await (side === 'on' ? treeOn : treeOff).append(batch.streamId, copy, 'no_stream');
            const ms = performance.now() - t1;
            const c = process.cpuUsage(c0);
            if (side === 'on') {
              round.onMs += ms;
              round.onCpu += c.user + c.system;
            } else {
              round.offMs += ms;
              round.offCpu += c.user + c.system;
            }
          }
        }
      }
      lat.sort((x, y) => x - y);
      const n = size * count;
      const ratio = n / oursMs / (n / baseMs);
      rows.push({
        name: `(c) batches of ${fmtInt(size)} (${count} appends)`,
        events: n,
        seconds: oursMs / 1000,
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        baselineRate: n / (baseMs / 1000),
        target: `≥ ${TARGET_C.toFixed(2)}× baseline`,
        pass: ratio >= TARGET_C,
      });
      const sum = (f: (r: (typeof rounds)[number]) => number) => rounds.reduce((acc, r) => acc + f(r), 0);
      const treeRatio = median(rounds.map((r) => r.offMs / r.onMs));
      const onMs = sum((r) => r.onMs);
      rows.push({
        name: `(c) Merkle tree on vs off, batches of ${fmtInt(size)}`,
        events: n,
        seconds: onMs / 1000,
        // The column shows the tree-off rate that makes the ratio column the median of the rounds.
        baselineRate: (n / (onMs / 1000)) / treeRatio,
        target: `≥ ${TARGET_TREE.toFixed(2)}× tree off`,
        pass: treeRatio >= TARGET_TREE,
        // The wall ratio is the target; the CPU ratio is what the tree costs when other load stretches the clock.
        note:
          `median of ${rounds.length} rounds ${treeRatio.toFixed(3)}× (rounds ${rounds.map((r) => (r.offMs / r.onMs).toFixed(2)).join(' ')}; ` +
          `all summed ${(sum((r) => r.offMs) / onMs).toFixed(3)}×); tree off ${fmtInt(n / (sum((r) => r.offMs) / 1000))} ev/s summed; ` +
          `CPU per event ${(sum((r) => r.onCpu) / n).toFixed(1)} µs on vs ${(sum((r) => r.offCpu) / n).toFixed(1)} µs off = ` +
          `${(sum((r) => r.offCpu) / sum((r) => r.onCpu)).toFixed(2)}× (median of rounds ${median(rounds.map((r) => r.offCpu / r.onCpu)).toFixed(2)}×)`,
      });
      console.log('done');
    }

    // ---- bulk fill up to MIN_TOTAL_EVENTS (not measured) -----------------------------------
    let total = eventSeq - 1; // minus the sample event, which was never written
    process.stdout.write(`bulk fill ${fmtInt(total)} → ≥ ${fmtInt(MIN_TOTAL_EVENTS)} events (not measured) … `);
    let fillStream = 0;
    while (total < MIN_TOTAL_EVENTS) {
      const round = Array.from({ length: FILL_CONCURRENCY }, () => {
        const streamId = `query-f${fillStream++}`;
        return [streamId, events(streamId, FILL_EVENTS_PER_STREAM)] as [string, NewEvent[]];
      });
      await Promise.all(round.map(([streamId, evs]) => oursAppend(store, streamId, evs)));
      base.appendMany(round);
      total += FILL_CONCURRENCY * FILL_EVENTS_PER_STREAM;
    }
    console.log(`done (${fmtInt(total)} events, ${fmtInt(ourHeads.size)} streams)`);

    // ---- (d) read-all ------------------------------------------------------------------------
    process.stdout.write(`(d) read-all, pages of ${fmtInt(PAGE_SIZE)} … `);
    let sink = 0;
    const oursReadAll = async (): Promise<number> => {
      let after: bigint | undefined;
      let count = 0;
      for (;;) {
        const page = await store.readAll({ after, maxCount: PAGE_SIZE });
        count += page.length;
        if (page.length > 0) {
          after = page[page.length - 1].position;
          sink += page[page.length - 1].revision;
        }
        if (page.length < PAGE_SIZE) return count;
      }
    };
    const baseReadAll = () => base.readAll((page) => (sink += page.length ? page[page.length - 1].revision : 0));
    const readOurs: number[] = [];
    const readBase: number[] = [];
    let countOurs = await oursReadAll(); // warm-up
    let countBase = baseReadAll(); // warm-up
    for (let pass = 0; pass < READ_PASSES; pass++) {
      for (const side of pass % 2 ? (['ours', 'base'] as const) : (['base', 'ours'] as const)) {
        await tick();
        const t0 = performance.now();
        if (side === 'ours') {
          countOurs = await oursReadAll();
          readOurs.push(performance.now() - t0);
        } else {
          countBase = baseReadAll();
          readBase.push(performance.now() - t0);
        }
      }
    }
    if (countOurs !== total || countBase !== total) throw new Error(`read-all counted ${countOurs} / ${countBase}, expected ${total}`);
    const dRatio = countOurs / median(readOurs) / (countBase / median(readBase));
    rows.push({
      name: `(d) read-all (median of ${READ_PASSES} passes)`,
      events: countOurs,
      seconds: median(readOurs) / 1000,
      baselineRate: countBase / (median(readBase) / 1000),
      target: `≥ ${TARGET_D.toFixed(2)}× baseline`,
      pass: dRatio >= TARGET_D,
    });
    console.log('done');

    // ---- (e) verify-all --------------------------------------------------------------------
    process.stdout.write('(e) verify-all … ');
    const verOurs: number[] = [];
    const verBase: number[] = [];
    let report = await verifyLedger(store, { densePositions: true, pageSize: PAGE_SIZE }); // warm-up
    let baseReport = base.verifyAll(); // warm-up
    for (let pass = 0; pass < READ_PASSES; pass++) {
      for (const side of pass % 2 ? (['ours', 'base'] as const) : (['base', 'ours'] as const)) {
        await tick();
        const t0 = performance.now();
        if (side === 'ours') {
          report = await verifyLedger(store, { densePositions: true, pageSize: PAGE_SIZE });
          verOurs.push(performance.now() - t0);
        } else {
          baseReport = base.verifyAll();
          verBase.push(performance.now() - t0);
        }
      }
    }
    if (!report.intact || report.eventsChecked !== total) {
      throw new Error(`verify-all: intact=${report.intact}, checked ${report.eventsChecked} of ${total}, ${report.failures.length} failures`);
    }
    if (baseReport.failures !== 0 || baseReport.events !== total) throw new Error('baseline verify found failures');
    rows.push({
      name: `(e) verify-all (median of ${READ_PASSES} passes)`,
      events: report.eventsChecked,
      seconds: median(verOurs) / 1000,
      baselineRate: baseReport.events / (median(verBase) / 1000),
    });
    console.log(`done (intact=${report.intact}, ${fmtInt(report.eventsChecked)} events, ${fmtInt(report.streamsChecked)} streams)`);

    // ---- (f) canonical JSON: RFC 8785 (JCS) against the serializer it replaced -----------------
    process.stdout.write('(f) canonical JSON, JCS vs former … ');
    {
      const sample = Array.from({ length: 5_000 }, (_, i) => {
        const e = makeEvent(`query-jcs${i}`);
        return { streamId: `query-jcs${i}`, revision: 0, type: e.type, data: e.data, metadata: { ...e.metadata, recordedAt: new Date().toISOString(), prevHash: GENESIS_HASH } };
      });
      const jcsMs: number[] = [];
      const oldMs: number[] = [];
      let len = 0;
      for (let pass = 0; pass < 6; pass++) {
        for (const side of pass % 2 ? (['jcs', 'old'] as const) : (['old', 'jcs'] as const)) {
          await tick();
          const t0 = performance.now();
          const f = side === 'jcs' ? canonicalJson : legacyCanonicalJson;
          for (const e of sample) len += f(e).length;
          (side === 'jcs' ? jcsMs : oldMs).push(performance.now() - t0);
        }
      }
      sink += len;
      rows.push({
        name: '(f) canonical JSON of an event: JCS (median of 6)',
        events: sample.length,
        seconds: median(jcsMs) / 1000,
        baselineRate: sample.length / (median(oldMs) / 1000),
        target: `≥ ${TARGET_JCS.toFixed(2)}× former`,
        pass: median(oldMs) / median(jcsMs) >= TARGET_JCS,
        note: 'baseline: the former canonicalJson',
      });
    }
    console.log('done');

    await integrityAtScale(dir, rows);

    // ---- report --------------------------------------------------------------------------------
    console.log('');
    printTable(rows);
    console.log('');
    console.log('notes:');
    console.log('  ratio = ours ÷ baseline. Baseline = plain better-sqlite3 on its own file: same SCHEMA_SQL, WAL,');
    console.log('  synchronous=FULL, computeEventHash over the same metadata (prevHash, recordedAt), JSON.stringify,');
    console.log('  prepared INSERT, one transaction per batch; read-all = prepared SELECT by position in pages of');
    console.log(`  ${fmtInt(PAGE_SIZE)} with JSON.parse of data and metadata per row. Per-row baselines:`);
    console.log('  (a) one transaction per event (informational); (b) one transaction per round of 64 events,');
    console.log('  i.e. ideal group commit (informational; the target is absolute); (e) the same checks as');
    console.log('  verifyLedger as a plain loop over the baseline read (informational).');
    console.log('  (a),(c): ours and baseline interleaved call by call, alternating which goes first; (b): ours then');
    console.log(`  baseline, after one warm-up round; (c) p50/p99 are per-batch latencies; (d),(e): one warm-up pass`);
    console.log(`  each, then ${READ_PASSES} alternating passes, median reported. Every timed call starts after a yield to the`);
    console.log('  event loop, so GC work queued by either side is not charged to ours.');
    console.log('  (c) tree on vs off: the same batches (fresh ids) on two more stores that differ only in the option,');
    console.log(`  interleaved with ours and the baseline (the order rotating per batch), in ${TREE_ROUNDS} rounds; the ratio is the`);
    console.log('  median of the rounds\' (time off ÷ time on).');
    console.log('  (f) JCS vs the former canonicalJson on the same 5,000 events. (g)–(j) on a separate ledger of');
    console.log(`  ${fmtInt(LARGE_EVENTS)} events (BENCH_LARGE_EVENTS), written directly: (g) rebuild = SqliteEventStore.rebuildTree();`);
    console.log('  (h) 1,000 random proofs each, p50/p99 columns, p95 in the notes; (i) one signed checkpoint, 10,000 paths');
    console.log('  rehashed; (j) an in-process HTTP /health (store.health()) polled every 5 ms while verifyLedger runs with');
    console.log('  yieldEveryMs=5 and pages of 250, as GET /ledger/verify and verify jobs run it.');
    for (const r of rows.filter((x) => x.note && /[(][ghij][)]|[(]f[)]|tree on/.test(x.name))) console.log(`  ${r.name.split(' ')[0]} ${r.note}`);
    const failed = rows.filter((r) => r.pass === false).map((r) => r.name.split(' ')[0]);
    const targets = rows.filter((r) => r.pass !== undefined).length;
    console.log(`targets: ${targets - failed.length}/${targets} PASS${failed.length ? `, FAIL: ${failed.join(' ')}` : ''}`);
    console.log(`total bench time ${((performance.now() - started) / 1000).toFixed(1)} s (checksum ${sink})`);
  } finally {
    await store.close();
    await treeOn.close();
    await treeOff.close();
    base.close();
    rmSync(dir, { recursive: true, force: true });
    try {
      rmdirSync(benchRoot); // only if empty: leave anything else in .bench/ alone
    } catch {
      /* not empty or already gone */
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('\nbenchmark failed:', error);
    process.exit(1);
  },
);
