/**
 * npm run bench:obligations — obligation reads when a WebIR log import has opened a great many
 * obligations (issue 10: ~900,000 EXPLAIN_UNREGISTERED_QUERY for a 1,000,000-line month).
 *
 * Read model: BENCH_OBLIGATIONS obligations (default 200,000) in the embedded store, written as the
 * obligations projection writes them (its indexes declared): over BENCH_AGENCIES agencies (default
 * 20), 95 % explanation duties opened in June 2025 and due 14 days later, about a third of them met
 * (some late), the rest of other kinds. Judged at 2025-07-01 (some open, some overdue, some met).
 *
 * Measured, each against the in-memory path it replaces (every obligation read out, judged by
 * obligationAt, counted / sorted / sliced in JS), in the same run, median of BENCH_REPEAT (default 5):
 * - the dashboard's summary (GET /obligation-summary): obligationCounts vs obligationsAt + count;
 * - the first page of GET /obligations (limit 500, with count and counts), and a page from a cursor
 *   in the middle, and that page alone;
 * - one agency's page, and the overdue page.
 * Both paths' answers are compared before timing. Wall and CPU time (process.cpuUsage) per call.
 *
 * Env: BENCH_OBLIGATIONS, BENCH_AGENCIES, BENCH_REPEAT, BENCH_DIR (kept when given; with BENCH_REUSE=1
 * a read model written there before with as many obligations is measured again).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  countByAgency,
  obligationCounts,
  obligationsAt,
  obligationsPage,
  OBLIGATIONS,
  obligationsProjection,
  type ObligationDocument,
  type ObligationQuery,
  type ObligationView,
} from '../libs/projections/src';
import { SqliteReadModelStore, upsert } from '../libs/read-models/src';

const N = Number(process.env.BENCH_OBLIGATIONS ?? 200_000);
const AGENCIES = Number(process.env.BENCH_AGENCIES ?? 20);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const PAGE = 500;
const AT = '2025-07-01T00:00:00.000Z';

let seed = 11;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const iso = (ms: number) => new Date(ms).toISOString();
const JUNE = Date.parse('2025-06-01T00:00:00.000Z');
const DAY = 86_400_000;
const dayEnd = (ms: number) => `${iso(ms + 8 * 3600_000).slice(0, 10)}T15:59:59.999Z`;

function documentAt(i: number): ObligationDocument {
  const agencyCode = `AG${String(i % AGENCIES).padStart(3, '0')}`;
  const explain = rand() < 0.95;
  const kind = explain ? 'EXPLAIN_UNREGISTERED_QUERY' : (['DELETE_OBTAINED_DATA', 'BLI_REQUESTED_ACTION', 'ANNUAL_ACCESS_REVIEW'] as const)[i % 3];
  const created = JUNE + Math.floor(rand() * 30 * DAY);
  const dueAt = dayEnd(created + 14 * DAY);
  const met = rand() < 0.35 ? created + Math.floor(rand() * 20 * DAY) : null;
  const subject = `${agencyCode}.${'f'.repeat(32)}.${i}`;
  const ref = { eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, streamId: `querylog-${agencyCode}.${'f'.repeat(32)}`, position: String(1000 + i), type: 'UnregisteredQueriesFound' };
  return {
    obligationId: `${kind}:${subject}:${1000 + i}`,
    agencyCode,
    kind,
    rule: '要點 九(一)',
    title: '說明無查詢資料登記表之查詢紀錄(或補登記)',
    subject,
    dueDate: dueAt.slice(0, 10),
    dueAt,
    dueGranularity: 'day',
    createdAt: iso(created),
    createdKnownAt: iso(created),
    createdBy: ref,
    metAt: met === null ? null : iso(met),
    metKnownAt: met === null ? null : iso(met),
    metBy: met === null ? null : { ...ref, type: 'UnregisteredQueryExplained', position: String(5_000_000 + i) },
    metLate: met !== null && iso(met) > dueAt,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time<T>(run: () => Promise<T>): Promise<{ wallMs: number; cpuMs: number; result: T }> {
  const walls: number[] = [];
  const cpus: number[] = [];
  let result!: T;
  for (let r = 0; r < REPEAT; r++) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    result = await run();
    walls.push(Number(process.hrtime.bigint() - start) / 1e6);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1e3);
  }
  return { wallMs: median(walls), cpuMs: median(cpus), result };
}

/** GET /obligations as it was: every obligation judged in memory, sorted, one page sliced. */
async function oldPage(store: SqliteReadModelStore, query: ObligationQuery, after?: string) {
  const all = await obligationsAt(store, query);
  const ordered = all.map((o) => ({ o, key: `${o.dueAt}|${o.obligationId}` })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const start = after === undefined ? 0 : ordered.findIndex((e) => e.key > after);
  const page = start < 0 ? [] : ordered.slice(start, start + PAGE).map((e) => e.o);
  return { count: all.length, counts: countByAgency(all), obligations: page };
}

async function newPage(store: SqliteReadModelStore, query: ObligationQuery, after?: { dueAt: string; obligationId: string }) {
  const [page, counts] = await Promise.all([obligationsPage(store, query, { limit: PAGE, after }), obligationCounts(store, query)]);
  let count = 0;
  for (const byKind of Object.values(counts)) for (const c of Object.values(byKind)) count += c!.open + c!.overdue + c!.met;
  return { count, counts, obligations: page.obligations };
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

async function main() {
  const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'bench-obligations-'));
  const store = new SqliteReadModelStore({ file: join(dir, 'read-models.db') });
  const projection = obligationsProjection();
  for (const [collection, spec] of Object.entries(projection.tables ?? {})) await store.declareTable(collection, spec);
  for (const [collection, indexes] of Object.entries(projection.indexes ?? {})) await store.declareIndexes(collection, indexes);
  const loadStart = Date.now();
  const reuse = process.env.BENCH_REUSE === '1' && (await store.countBy(OBLIGATIONS.items))[0].count === N;
  for (let i = 0; !reuse && i < N; i += 5000) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 5000); j++) {
      const d = documentAt(j);
      batch.push({ position: BigInt(j + 1), writes: [upsert(OBLIGATIONS.items, d.obligationId, d as unknown as Record<string, unknown>)] });
    }
    await store.applyBatch('bench', batch);
  }
  console.log(`obligations read model: ${N.toLocaleString('en-US')} obligations over ${AGENCIES} agencies, ${reuse ? 'reused' : `written in ${((Date.now() - loadStart) / 1000).toFixed(1)} s`}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  const all: ObligationQuery = { at: AT };
  const sorted = (views: ObligationView[]) => views.map((v) => v.obligationId);
  // Same answers first: the comparison is worth nothing otherwise.
  const before = await oldPage(store, all);
  const after = await newPage(store, all);
  const middle = before.obligations.length > 0 ? (await obligationsAt(store, all)).sort((a, b) => (`${a.dueAt}|${a.obligationId}` < `${b.dueAt}|${b.obligationId}` ? -1 : 1))[Math.floor(N / 2)] : undefined;
  const same =
    before.count === after.count &&
    isDeepStrictEqual(JSON.parse(JSON.stringify(before.counts)), JSON.parse(JSON.stringify(sortKeys(after.counts)))) &&
    isDeepStrictEqual(sorted(before.obligations), sorted(after.obligations));
  console.log(`same count, counts and first page on both paths: ${same ? 'yes' : 'NO'} (count ${after.count.toLocaleString('en-US')})`);
  if (!same) process.exitCode = 1;

  const rows: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
    ['summary (GET /obligation-summary)', async () => countByAgency(await obligationsAt(store, all)), () => obligationCounts(store, all)],
    ['first page + count + counts (GET /obligations)', () => oldPage(store, all), () => newPage(store, all)],
    [
      'page from a cursor in the middle',
      () => oldPage(store, all, middle && `${middle.dueAt}|${middle.obligationId}`),
      () => newPage(store, all, middle && { dueAt: middle.dueAt, obligationId: middle.obligationId }),
    ],
    [
      'that page alone (no counts)',
      async () => (await oldPage(store, all, middle && `${middle.dueAt}|${middle.obligationId}`)).obligations,
      () => obligationsPage(store, all, { limit: PAGE, after: middle && { dueAt: middle.dueAt, obligationId: middle.obligationId } }),
    ],
    ['one agency\'s first page + counts', () => oldPage(store, { at: AT, agencyCode: 'AG007' }), () => newPage(store, { at: AT, agencyCode: 'AG007' })],
    ['overdue page + counts', () => oldPage(store, { at: AT, state: 'overdue' }), () => newPage(store, { at: AT, state: 'overdue' })],
  ];
  console.log(`median of ${REPEAT}; wall / CPU ms per call; documents read out: old ${N.toLocaleString('en-US')}, new ≤ ${PAGE + 1} per page`);
  for (const [label, old, now] of rows) {
    const o = await time(old);
    const n = await time(now);
    console.log(`${label.padEnd(48)} old ${fmt(o.wallMs).padStart(7)} / ${fmt(o.cpuMs).padStart(7)}   new ${fmt(n.wallMs).padStart(7)} / ${fmt(n.cpuMs).padStart(7)}   ratio ${(o.wallMs / n.wallMs).toFixed(1)}× wall, ${(o.cpuMs / n.cpuMs).toFixed(1)}× CPU`);
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  await store.close();
  if (!process.env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
}

function sortKeys(counts: Record<string, Record<string, unknown>>) {
  return Object.fromEntries(Object.keys(counts).sort().map((a) => [a, Object.fromEntries(Object.keys(counts[a]).sort().map((k) => [k, counts[a][k]]))]));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
