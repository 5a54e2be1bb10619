/**
 * npm run bench:projections — rebuild throughput and as-of roster latency over a generated,
 * realistic ledger of 1,000,000 events on the embedded store.
 *
 * History (2021–2025, generated day by day): 100 agencies, ~200 accounts each, each account living through creation,
 * item grants and revocations, post changes, yearly access-review findings, and for some a disable
 * and delete; ~80 % of the ledger is query registrations (the bulk of a real WebIR ledger) that the
 * roster and obligations projections read past. Baselines measured in the same run: a raw scan of
 * the log (readAll + JSON.parse, no projection) for rebuild, and today's roster for as-of queries.
 *
 * Also (issue 8): the bitemporal roster (in force on a business date as the ledger knew it at a
 * later ledger time), and read-your-writes: append one event, then wait for the live roster
 * projection to pass its position (what a read with minPosition does) and read the roster.
 *
 * Env: BENCH_EVENTS (default 1000000), BENCH_QUERIES (default 200), BENCH_WRITES (default 200),
 * BENCH_DIR (default a temp dir).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewEvent, SqliteEventStore } from '../libs/event-store/src';
import { DEFAULT_DEADLINES, obligationsProjection, rosterOf, rosterProjection } from '../libs/projections/src';
import { ProjectionRunner, SqliteReadModelStore } from '../libs/read-models/src';

const TOTAL = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);
const WRITES = Number(process.env.BENCH_WRITES ?? 200);
const AGENCIES = 100;
const START = Date.parse('2021-01-01T00:00:00.000Z');
const END = Date.parse('2025-12-31T00:00:00.000Z');
const OPS = ['L0101', 'L0102', 'L0201', 'L0301', 'L0401', 'L0501'];

let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
const hex = (n: number) => n.toString(16).padStart(64, '0');

const meta = (occurredAt: number) => ({
  $correlationId: randomUUID(),
  $causationId: randomUUID(),
  commandId: randomUUID(),
  actor: 'bench-integrator',
  occurredAt: new Date(occurredAt).toISOString(),
});
const ev = (type: string, data: Record<string, unknown>, at: number): NewEvent => ({ eventId: randomUUID(), type, data, metadata: meta(at) });

/** A user account's life as the domain would have appended it: creation first, then dated steps. */
function planAccount(agencyCode: string, n: number, createdDay: number): { streamId: string; steps: { day: number; event: (at: number) => NewEvent }[] } {
  const holderKey = hex(n * 7919 + 1);
  const accountId = `${agencyCode}.USER.${holderKey}`;
  const items = new Set<string>();
  const steps: { day: number; event: (at: number) => NewEvent }[] = [
    {
      day: createdDay,
      event: (at) => ev('AccountCreated', {
        accountId, agencyCode, kind: 'USER', incarnation: 1, applicationId: `app_${n}`,
        holder: { personId: `person_${holderKey.slice(0, 32)}`, holderKey, nationalIdCiphertext: `v1.${'a'.repeat(16)}.${'b'.repeat(22)}.${'c'.repeat(14)}`, nameCiphertext: `v1.${'d'.repeat(16)}.${'e'.repeat(22)}.${'f'.repeat(8)}` },
        myEGovAccountId: `egov${n}`, certificateBound: true, post: '科員', unit: '社會救助科',
      }, at),
    },
  ];
  let day = createdDay;
  const lifeEvents = 6 + Math.floor(rand() * 8);
  for (let i = 0; i < lifeEvents; i++) {
    day += 5 + Math.floor(rand() * 120);
    const r = rand();
    if (r < 0.4 || items.size === 0) {
      const code = pick(OPS);
      items.add(code);
      steps.push({ day, event: (at) => ev('AccountQueryItemsGranted', { accountId, operationCodes: [code], applicationId: `app_${n}_${i}` }, at) });
    } else if (r < 0.6) {
      const code = pick([...items]);
      items.delete(code);
      steps.push({ day, event: (at) => ev('AccountQueryItemsRevoked', { accountId, operationCodes: [code], reason: 'least privilege' }, at) });
    } else if (r < 0.75) {
      const effectiveDay = day + 10;
      steps.push({
        day,
        event: (at) => {
          const effectiveDate = new Date(START + effectiveDay * 86_400_000).toISOString().slice(0, 10);
          return ev('AccountPostChanged', { accountId, effectiveDate, newPost: '專員', newUnit: null, successorAccountId: null, duty: { kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)', dueDate: effectiveDate } }, at);
        },
      });
    } else {
      steps.push({ day, event: (at) => ev('AccessReviewFindingRecorded', { reviewId: `r_${agencyCode}_${new Date(at).getUTCFullYear()}`, accountId, finding: pick(['FINE', 'FINE', 'IDLE', 'CHANGED_DUTIES']), action: 'ADJUSTED', note: null }, at) });
    }
  }
  if (rand() < 0.25) {
    day += 30;
    steps.push({ day, event: (at) => ev('AccountDisabled', { accountId, reason: 'departed', disabledOn: new Date(at).toISOString().slice(0, 10) }, at) });
    day += 30;
    steps.push({ day, event: (at) => ev('AccountDeleted', { accountId, reason: 'departed', applicationId: `app_${n}_rm` }, at) });
  }
  return { streamId: `account-${accountId}`, steps };
}

/** One query registration, ~1 KB: the bulk of a real ledger, read past by these projections. */
function registration(agencyCode: string, i: number, at: number): NewEvent {
  return ev('QueryRegistered', {
    registrationId: randomUUID(), accountId: `${agencyCode}.USER.${hex(i)}`, operationCode: pick(OPS),
    caseNumber: `${agencyCode}-114-${100000 + i}`, reason: '社會救助資格審查,依社會救助法第四條辦理', subjectKey: hex(i),
    subjectCiphertext: `v1.${'x'.repeat(16)}.${'y'.repeat(22)}.${'z'.repeat(40)}`, padding: 'p'.repeat(500),
  }, at);
}

/**
 * Day by day, so both times are realistic: each day's events occur during that Taipei day and are
 * recorded by the ledger that evening or up to three days later (the store's clock is set per day).
 */
async function generate(): Promise<{ store: SqliteEventStore; accounts: number }> {
  let ledgerClock = START;
  // Generation is setup, not what is measured: synchronous=OFF only here, to keep the run short.
  const store = new SqliteEventStore({ file: eventsFile, synchronous: 'OFF', now: () => new Date(ledgerClock) });
  const agencyCodes = Array.from({ length: AGENCIES }, (_, i) => `AG${String(i).padStart(3, '0')}`);
  const days = Math.floor((END - START) / 86_400_000);
  const accountEventBudget = TOTAL * 0.2;
  const accountsPerDay = accountEventBudget / 10 / (days * 0.7);
  const revisions = new Map<string, number>();
  const due = new Map<number, { streamId: string; event: (at: number) => NewEvent }[]>();
  let written = 0;
  let accounts = 0;
  let pending: Promise<unknown>[] = [];
  const append = (streamId: string, events: NewEvent[]) => {
    const expected = revisions.get(streamId) ?? -1;
    revisions.set(streamId, expected + events.length);
    pending.push(store.append(streamId, events, expected === -1 ? 'no_stream' : expected));
    written += events.length;
  };

  ledgerClock = START + 86_400_000;
  for (const agencyCode of agencyCodes) {
    append(`agency-${agencyCode}`, [ev('AgencyRegistered', { agencyCode, name: `機關${agencyCode}`, role: 'DATA_REQUESTER' }, START), ev('AgencyApprovedForWebIR', { agencyCode, reference: null }, START + 3600_000)]);
  }
  let carry = 0;
  for (let day = 0; day < days && written < TOTAL; day++) {
    const dayStart = START + day * 86_400_000;
    ledgerClock = dayStart + 86_400_000 + Math.floor(rand() * 3) * 86_400_000;
    if (day < days * 0.7) {
      carry += accountsPerDay;
      for (; carry >= 1; carry--) {
        const plan = planAccount(agencyCodes[accounts % AGENCIES], accounts, day);
        accounts++;
        for (const step of plan.steps) {
          const list = due.get(step.day) ?? [];
          list.push({ streamId: plan.streamId, event: step.event });
          due.set(step.day, list);
        }
      }
    }
    for (const step of due.get(day) ?? []) append(step.streamId, [step.event(dayStart + 2 * 3600_000 + rand() * 6 * 3600_000)]);
    due.delete(day);
    const registrationsToday = Math.max(0, Math.round((TOTAL - written) / Math.max(1, days - day)));
    for (let a = 0, i = 0; i < registrationsToday; a++) {
      const count = Math.min(registrationsToday - i, 1 + Math.floor(rand() * 20));
      const agencyCode = agencyCodes[(day + a) % AGENCIES];
      append(`queryreg-${agencyCode}.${day}`, Array.from({ length: count }, (_, k) => registration(agencyCode, i + k, dayStart + (i + k) * 20_000)));
      i += count;
    }
    await Promise.all(pending);
    pending = [];
  }
  await Promise.all(pending);
  return { store, accounts };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'bench-projections-'));
const eventsFile = join(dir, 'events.db');

async function main() {
  console.log(`bench:projections — ${cpus().length} cores, node ${process.version}, ${fmt(TOTAL)} events, dir ${dir}`);
  try {
    // Generation is setup, not what is measured: synchronous=OFF only here, to keep the run short.
    let t = performance.now();
    const { store: gen, accounts } = await generate();
    const head = await gen.headPosition();
    console.log(`generated ${fmt(Number(head))} events (${fmt(accounts)} accounts in ${AGENCIES} agencies) in ${((performance.now() - t) / 1000).toFixed(1)} s; file ${(statSync(eventsFile).size / 1e6).toFixed(0)} MB`);
    await gen.close();

    const store = new SqliteEventStore({ file: eventsFile });
    // Baseline: a raw scan of the log in the same pages, no projection work at all.
    t = performance.now();
    let scanned = 0;
    for (let after: bigint | undefined; ; ) {
      const page = await store.readAll({ after, maxCount: 1000 });
      scanned += page.length;
      if (page.length < 1000) break;
      after = page[page.length - 1].position;
    }
    const scanRate = scanned / ((performance.now() - t) / 1000);

    const results: [string, number][] = [];
    const readModels = new SqliteReadModelStore({ file: join(dir, 'read-models.db') });
    for (const projection of [rosterProjection, obligationsProjection(DEFAULT_DEADLINES)]) {
      const runner = new ProjectionRunner({ projection, eventStore: store, readModels, logger: { log: () => undefined, error: console.error } });
      t = performance.now();
      await runner.rebuild();
      const seconds = (performance.now() - t) / 1000;
      await runner.stop();
      results.push([projection.name, Number(head) / seconds]);
    }

    const agencies = Array.from({ length: AGENCIES }, (_, i) => `AG${String(i).padStart(3, '0')}`);
    const timeOne = async (f: () => Promise<unknown>) => {
      const s = performance.now();
      await f();
      return performance.now() - s;
    };
    const asOfLatencies: number[] = [];
    const ledgerLatencies: number[] = [];
    const bitemporalLatencies: number[] = [];
    const currentLatencies: number[] = [];
    let entries = 0;
    for (let i = 0; i < QUERIES; i++) {
      const agency = pick(agencies);
      const at = new Date(START + rand() * (END - START)).toISOString();
      asOfLatencies.push(await timeOne(async () => (entries += (await rosterOf(readModels, agency, { kind: 'business-date', at })).entries.length)));
      ledgerLatencies.push(await timeOne(() => rosterOf(readModels, agency, { kind: 'ledger-time', at })));
      const knownAt = new Date(Date.parse(at) + rand() * 30 * 86_400_000).toISOString();
      bitemporalLatencies.push(await timeOne(() => rosterOf(readModels, agency, { kind: 'bitemporal', at, knownAt })));
      currentLatencies.push(await timeOne(() => rosterOf(readModels, agency, { kind: 'current' })));
    }
    for (const xs of [asOfLatencies, ledgerLatencies, bitemporalLatencies, currentLatencies]) xs.sort((a, b) => a - b);

    // Read your writes: the roster projection follows the log live; each write is read back as soon
    // as the projection has passed its position (a read with minPosition), then the roster is read.
    const live = new ProjectionRunner({ projection: rosterProjection, eventStore: store, readModels, logger: { log: () => undefined, error: console.error } });
    await live.start();
    await live.caughtUp();
    const rywLatencies: number[] = [];
    const plainReadLatencies: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const agencyCode = pick(agencies);
      const holderKey = hex(10_000_000 + i);
      const accountId = `${agencyCode}.USER.${holderKey}`;
      const created = ev('AccountCreated', {
        accountId, agencyCode, kind: 'USER', incarnation: 1, applicationId: `app_ryw_${i}`,
        holder: { personId: `person_${holderKey.slice(0, 32)}`, holderKey, nationalIdCiphertext: 'v1.a.b.c', nameCiphertext: 'v1.d.e.f' },
        myEGovAccountId: `egov_ryw_${i}`, certificateBound: true, post: '科員', unit: '一科',
      }, Date.now());
      const started = performance.now();
      const { position } = await store.append(`account-${accountId}`, [created], 'no_stream');
      if (!(await live.waitFor(position, 5_000))) throw new Error(`roster did not reach ${position}`);
      const roster = await rosterOf(readModels, agencyCode, { kind: 'current' });
      rywLatencies.push(performance.now() - started);
      if (!roster.entries.some((e) => e.accountId === accountId)) throw new Error('read did not see its own write');
      plainReadLatencies.push(await timeOne(() => rosterOf(readModels, agencyCode, { kind: 'current' })));
    }
    await live.stop();
    rywLatencies.sort((a, b) => a - b);
    plainReadLatencies.sort((a, b) => a - b);

    console.log('');
    console.log('measurement                              | figure            | baseline (same run)      | ratio | target        | verdict');
    console.log('-----------------------------------------+-------------------+--------------------------+-------+---------------+--------');
    for (const [name, rate] of results) {
      console.log(`rebuild ${name.padEnd(32)} | ${fmt(rate).padStart(9)} events/s | raw scan ${fmt(scanRate).padStart(9)} ev/s | ${(rate / scanRate).toFixed(2).padStart(5)} | ≥ 20,000 ev/s | ${rate >= 20_000 ? 'PASS' : 'FAIL'}`);
    }
    const row = (name: string, xs: number[], target: boolean) =>
      console.log(`${name.padEnd(40)} | p50 ${xs[Math.floor(xs.length / 2)].toFixed(1).padStart(6)} ms p95 ${percentile(xs, 95).toFixed(1).padStart(6)} ms | current p95 ${percentile(currentLatencies, 95).toFixed(1).padStart(6)} ms | ${(percentile(xs, 95) / percentile(currentLatencies, 95)).toFixed(2).padStart(5)} | ${target ? 'p95 < 200 ms ' : '—            '} | ${target ? (percentile(xs, 95) < 200 ? 'PASS' : 'FAIL') : ''}`);
    row('as-of roster, business date', asOfLatencies, true);
    row('as-of roster, ledger time', ledgerLatencies, true);
    row('bitemporal roster (asOf + knownAt)', bitemporalLatencies, true);
    const ryw95 = percentile(rywLatencies, 95);
    console.log(
      `${'append + read with minPosition'.padEnd(40)} | p50 ${rywLatencies[Math.floor(rywLatencies.length / 2)].toFixed(1).padStart(6)} ms p95 ${ryw95.toFixed(1).padStart(6)} ms | plain read p95 ${percentile(plainReadLatencies, 95).toFixed(1).padStart(6)} ms | ${(ryw95 / percentile(plainReadLatencies, 95)).toFixed(2).padStart(5)} | p95 < 50 ms   | ${ryw95 < 50 ? 'PASS' : 'FAIL'}`,
    );
    console.log(`(${WRITES} writes: append one account creation, wait for the live roster projection to pass its position, read that agency's roster)`);
    console.log(`(${QUERIES} queries each, one random agency of ${AGENCIES} at a random date 2021–2025; ${fmt(entries / QUERIES)} roster lines on average)`);
    await readModels.close();
    await store.close();
  } finally {
    if (!process.env.BENCH_DIR) rmSync(dir, { recursive: true, force: true });
  }
}

void main();
