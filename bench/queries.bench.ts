/**
 * Queries benchmark: `npm run bench:queries` (issue 10).
 *
 *  (a) Registrations over HTTP: the real app (embedded store, synchronous=FULL) in a child process on
 *      127.0.0.1, 64 concurrent keep-alive clients sending POST /query-registrations/batch with 100
 *      registrations each (registrations/s), then single POST /query-registrations (p50/p99); the
 *      baseline is GET /health with the same clients in the same run. Beside each the server's CPU
 *      time per request or registration (process.cpuUsage in the server, read once the projections
 *      have caught up with the phase), which other load on the machine barely moves.
 *      Run three times (BENCH_QUERIES_PROJECTIONS, default run,follow,thread): with the projections in
 *      the service's event loop; in a projector process (`npm run cli -- project`) beside a service
 *      started with LEDGER_PROJECTIONS=follow, whose CPU is read from /proc and printed beside the
 *      server's; and with LEDGER_PROJECTIONS=thread (the projector on a worker thread of the service
 *      process: its CPU is in the server's, the main thread's is printed alone). Each phase also says
 *      how long after its last answer every read model had caught up.
 *      BENCH_QUERIES_BATCH_PROF=<file> writes a CPU profile of the server during the batches alone,
 *      BENCH_QUERIES_SINGLE_PROF=<file> one during the single registrations alone.
 *  (b) Import of a WebIR log of BENCH_LOG_LINES lines (default 200,000; the issue's size is
 *      1,000,000) in UTF-8 and in Big5, each on a fresh ledger holding registrations for a tenth of
 *      the lines, as shipped: a child seeds the ledger and writes the file, then the built CLI
 *      (`nest build ledger-cli`, once per run; BENCH_QUERIES_NO_BUILD=1 reuses dist/) runs
 *      `import-log` in a fresh process: check, append, the query-logs read model and the
 *      reconciliation (UNREGISTERED_QUERY listing) — lines/s over the CLI's whole run, its CPU time
 *      and its peak RSS (getrusage, written on exit by a `node -r` preload; the CLI's output is
 *      untouched). The baseline is reading, decoding and splitting the same file into lines, in the
 *      seeding child, in the same run.
 *      As shipped on this machine's cores: the query-logs read model on a thread of the CLI with two
 *      cores or more (LEDGER_PROJECTIONS=thread), else in its event loop; BENCH_QUERIES_IMPORT_PROJECTIONS=
 *      thread,run measures both. BENCH_QUERIES_IMPORT_PROJECTIONS=run,follow measures it also beside a projector process (the
 *      built CLI's `project`, caught up first), which then writes every read model while import-log
 *      appends and waits for the query-logs one; its CPU and peak RSS are printed beside
 *      (BENCH_QUERIES_PROJECTOR_PROF=<file>: a CPU profile of that projector, UTF-8).
 *  (c) The reconciliation summary of that agency-month (one document read) p50/p95 over 200 reads,
 *      against a point read of one logged query, in a third child once the CLI has exited.
 *
 * Targets: (a) ≥ 5,000 registrations/s; (b) ≥ 20,000 lines/s, peak RSS < 400 MB; (c) p95 < 200 ms.
 * Sizes: BENCH_LOG_LINES, BENCH_REG_BATCHES (default 640 batches of 100: ten of each client's turns, so that the figure is the sustained rate, not one wave), BENCH_REG_SINGLES (2,000),
 * BENCH_HTTP_CLIENTS (64). Prints PASS/FAIL per target; exits 0 unless it crashes.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { serviceNodeFlags } from './service-node-flags';

const LINES = Number(process.env.BENCH_LOG_LINES ?? 200_000);
const BATCHES = Number(process.env.BENCH_REG_BATCHES ?? 640);
const SINGLES = Number(process.env.BENCH_REG_SINGLES ?? 2_000);
const CLIENTS = Number(process.env.BENCH_HTTP_CLIENTS ?? 64);
/**
 * Where the projections of part (a) run, comma-separated (default all three): run = in the service's
 * event loop (LEDGER_PROJECTIONS=run, the service's default on one core); follow = in a projector process
 * (`npm run cli -- project`) beside a service started with LEDGER_PROJECTIONS=follow; thread = on a
 * projector thread of the service (the service's default on two cores or more).
 */
type ProjectionRole = 'run' | 'follow' | 'thread';
const ROLES = (process.env.BENCH_QUERIES_PROJECTIONS ?? 'run,follow,thread').split(',').map((p) => p.trim().toLowerCase()) as ProjectionRole[];
/**
 * The same for the import (b): run = import-log projects the query-logs read model in its event loop
 * (LEDGER_PROJECTIONS=run); thread = on a thread of its process (LEDGER_PROJECTIONS=thread); follow =
 * beside a projector process. Default: as shipped, thread on two cores or more, else run.
 */
const IMPORT_ROLES = (process.env.BENCH_QUERIES_IMPORT_PROJECTIONS ?? (os.availableParallelism() >= 2 ? 'thread' : 'run')).split(',').map((p) => p.trim().toLowerCase()) as ProjectionRole[];
/** Which parts to run, comma-separated: http, utf8, big5 (default all). */
const PARTS = (process.env.BENCH_QUERIES_PARTS ?? 'http,utf8,big5').split(',').map((p) => p.trim().toLowerCase());
/** A CPU profile of the CLI's UTF-8 import process (its whole run) written to this file. */
const CPU_PROF = process.env.BENCH_QUERIES_CPU_PROF;
/** The CLI import process's V8 old-space limit in MB (unset: as the CLI ships), to compare against. */
const IMPORT_HEAP_MB = process.env.BENCH_IMPORT_HEAP_MB ? Number(process.env.BENCH_IMPORT_HEAP_MB) : undefined;
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const AGENCY = 'BEN';
const HOLDER = 'ab'.repeat(32);
const USER = `${AGENCY}.USER.${HOLDER}`;
const OPS = ['LI_ENROLMENT'];

const pct = (sorted: number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function seedEvents() {
  const meta = (occurredAt: string) => ({ $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'bench', occurredAt });
  const ev = (type: string, data: Record<string, unknown>, at: string) => ({ eventId: randomUUID(), type, data, metadata: meta(at) });
  const item = { agencyCode: AGENCY, operationCode: OPS[0] };
  return {
    item: [
      ev('QueryItemApplied', { ...item, legalBasis: '社會救助法', businessScope: '審核', purpose: '資格審查', applicationId: 'app_items', round: 1 }, '2025-01-02T01:00:00.000Z'),
      ev('QueryItemApprovedByCompetentAuthority', item, '2025-01-03T01:00:00.000Z'),
      ev('QueryItemSubmittedToBli', { ...item, reference: null }, '2025-01-04T01:00:00.000Z'),
      ev('QueryItemApprovedByBli', { ...item, reference: null }, '2025-01-05T01:00:00.000Z'),
      ev('QueryItemGranted', { ...item, applicationId: 'app_items' }, '2025-01-06T01:00:00.000Z'),
    ],
    account: [
      ev('AccountCreated', {
        accountId: USER, agencyCode: AGENCY, kind: 'USER', incarnation: 1, applicationId: 'app_add',
        holder: { personId: 'person_bench', holderKey: HOLDER, nationalIdCiphertext: 'v1.a.b.c', nameCiphertext: 'v1.d.e.f' },
        myEGovAccountId: 'egov:1', certificateBound: true, post: '科員', unit: '社會救助科',
      }, '2025-01-10T01:00:00.000Z'),
      ev('AccountQueryItemsGranted', { accountId: USER, operationCodes: OPS, applicationId: 'app_grant' }, '2025-01-10T02:00:00.000Z'),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// (a) server child
// ---------------------------------------------------------------------------------------------
async function serve(dataDir: string, role: ProjectionRole): Promise<void> {
  await import('reflect-metadata');
  const { loadConfig } = await import('@ledger/platform');
  const { createApp } = await import('../apps/ledger-api/src/bootstrap');
  const { EVENT_STORE, PROJECTION_RUNNERS } = await import('../apps/ledger-api/src/infrastructure/event-store.provider');
  const { accountStreamId, queryItemStreamId } = await import('@ledger/domain');
  const config = loadConfig({ ...process.env, LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_API_KEY: ADMIN_KEY, LEDGER_PROJECTIONS: role } as Record<string, string>);
  const app = await createApp({ config }, false);
  const profiler = batchProfiler(process.env.BENCH_QUERIES_BATCH_PROF);
  const singleProfiler = batchProfiler(process.env.BENCH_QUERIES_SINGLE_PROF);
  const store = app.get<import('@ledger/event-store').EventStore>(EVENT_STORE);
  const seed = seedEvents();
  await store.append(queryItemStreamId(AGENCY, OPS[0]), seed.item, 'no_stream');
  await store.append(accountStreamId(USER), seed.account, 'no_stream');
  await app.listen(0, '127.0.0.1');
  process.send?.({ port: (app.getHttpServer().address() as { port: number }).port });
  process.on('message', (m) => {
    if (m === 'stop') void app.close().then(() => process.exit(0));
    if (m === 'prof-start') void profiler.start().then(() => process.send?.({ profiling: true }));
    if (m === 'prof-stop') void profiler.stop().then(() => process.send?.({ profiling: false }));
    if (m === 'single-prof-start') void singleProfiler.start().then(() => process.send?.({ profiling: true }));
    if (m === 'single-prof-stop') void singleProfiler.stop().then(() => process.send?.({ profiling: false }));
    // The CPU time so far, once every projection has caught up: the read models' work on what was
    // appended counts towards the phase that appended it.
    if (m === 'cpu') {
      void Promise.all(app.get<import('@ledger/read-models').ProjectionRunner[]>(PROJECTION_RUNNERS).map((r) => r.caughtUp())).then(() => {
        const { user, system } = process.cpuUsage();
        // Group commits so far (the embedded store counts them): appends per store transaction.
        const commits = (store as { stats?: () => { transactions: number; appendCalls: number } }).stats?.();
        process.send?.({ cpuMicros: user + system, commits });
      });
    }
  });
}

function request(agent: http.Agent, port: number, method: string, path: string, key: string, body?: unknown, retried = false): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { 'X-API-Key': key, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    // A kept-alive socket the server closed as idle (its timers late while it was busy) just as the
    // client reused it: sent again once on a fresh socket, as HTTP clients do for idempotent retries.
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (req.reusedSocket && e.code === 'ECONNRESET' && !retried) resolve(request(agent, port, method, path, key, body, true));
      else reject(Object.assign(e, { path }));
    });
    req.end(payload);
  });
}

async function drive(count: number, send: (i: number) => Promise<{ status: number; text: string }>, ok: number[]): Promise<{ seconds: number; latencies: number[]; bad: number; firstBad?: string }> {
  let next = 0;
  let bad = 0;
  let firstBad: string | undefined;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t0 = performance.now();
        const res = await send(i);
        latencies.push(performance.now() - t0);
        if (!ok.includes(res.status)) {
          bad++;
          firstBad ??= `${res.status} ${res.text.slice(0, 200)}`;
        }
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b), bad, firstBad };
}

/**
 * BENCH_QUERIES_BATCH_PROF=<file>: a V8 CPU profile of the server while the batches run (once the
 * projections have caught up with them), nothing before or after; open it in Chrome's DevTools.
 */
function batchProfiler(file: string | undefined) {
  let session: import('node:inspector').Session | undefined;
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session!.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
  return {
    async start() {
      if (!file) return;
      const { Session } = await import('node:inspector');
      session = new Session();
      session.connect();
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
    },
    async stop() {
      if (!file || !session) return;
      const { profile } = await post<{ profile: unknown }>('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

function ask(child: import('node:child_process').ChildProcess, message: string, key: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (typeof m === 'object' && m !== null && key in m) {
        child.off('message', on);
        resolve();
      }
    };
    child.on('message', on);
    child.send(message);
  });
}

/** The server child's CPU time so far (user + system, µs): what a phase costs, barely moved by other load. */
let lastCommits: { transactions: number; appendCalls: number } | undefined;
function serverCpuMicros(child: import('node:child_process').ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'cpuMicros' in m) {
        child.off('message', on);
        lastCommits = (m as { commits?: { transactions: number; appendCalls: number } }).commits;
        resolve((m as { cpuMicros: number }).cpuMicros);
      }
    };
    child.on('message', on);
    child.send('cpu');
  });
}

/** How long a projector beside import-log may take to catch up once import-log has exited. */
const PROJECTOR_CATCH_UP_MS = Number(process.env.BENCH_QUERIES_PROJECTOR_CATCH_UP_MS ?? 600_000);

/**
 * Seconds until every projection's checkpoint in the ledger's read-model file reaches the head of
 * its event log (polled every 100 ms, read-only), or undefined after `limitMs`.
 */
async function readModelsCaughtUp(dataDir: string, limitMs: number): Promise<number | undefined> {
  const t0 = performance.now();
  const events = new Database(join(dataDir, 'events.db'), { readonly: true, fileMustExist: true });
  const readModels = new Database(join(dataDir, 'read-models.db'), { readonly: true, fileMustExist: true });
  try {
    const head = BigInt((events.prepare('SELECT max(position) AS p FROM events').get() as { p: number | bigint }).p);
    const checkpoints = readModels.prepare('SELECT position FROM projection_checkpoints').safeIntegers(true);
    for (;;) {
      const positions = (checkpoints.all() as { position: bigint }[]).map((r) => r.position);
      if (positions.length > 0 && positions.every((p) => p >= head)) return (performance.now() - t0) / 1000;
      if (performance.now() - t0 > limitMs) return undefined;
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    events.close();
    readModels.close();
  }
}

/**
 * A process's CPU time so far (user + system, µs) from /proc: the projector child has no IPC channel.
 * `mainThread`: its main thread's alone (the thread's id is the process's), which bounds how many
 * registrations one service process can take a second — GC helpers and libuv's pool run beside it.
 */
function procCpuMicros(pid: number | undefined, mainThread = false): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime + stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

async function benchRegistrations(role: ProjectionRole): Promise<void> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'bench-queries-http-'));
  // BENCH_QUERIES_SERVER_PROF=<dir>: a CPU profile of the server child, written when it stops.
  const prof = process.env.BENCH_QUERIES_SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_QUERIES_SERVER_PROF}`] : [];
  const child = fork(__filename, ['--serve', dataDir, role], { execArgv: ['-r', '@swc-node/register', ...serviceNodeFlags(), ...prof], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  let projector: import('node:child_process').ChildProcess | undefined;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    if (role === 'follow') {
      // Started once the service has created the stores; it runs every projection until stopped.
      // BENCH_QUERIES_REG_PROJECTOR_PROF=<dir>: a CPU profile of this projector over the whole of (a), written when it stops.
      const regProjectorProf = process.env.BENCH_QUERIES_REG_PROJECTOR_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_QUERIES_REG_PROJECTOR_PROF}`] : [];
      projector = fork(join(__dirname, '../apps/ledger-cli/src/main.ts'), ['project', '--status-every', '0'], {
        execArgv: ['-r', '@swc-node/register', ...regProjectorProf],
        env: { ...process.env, LEDGER_DATA_DIR: dataDir, LEDGER_LOG_LEVEL: 'error' },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
    }
    child.once('exit', (code, signal) => console.error('  (the server exited: %s %s)', code, signal ?? ''));
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
    const key = JSON.parse((await request(agent, port, 'POST', '/auth/keys', ADMIN_KEY, { principalId: 'bench_svc', roles: ['integrator'], agencies: [AGENCY] })).text).apiKey as string;
    const { nationalId } = await import('../test/support/webir-log');
    const reg = (id: string, n: number) => ({
      registrationId: id, agencyCode: AGENCY, accountId: USER, operationCode: OPS[0], plannedAt: '2025-03-05T09:30:00+08:00',
      caseNumber: `114社救字第${n}號`, reason: '低收入戶資格審查', subject: { nationalId: nationalId(n % 100_000) },
    });
    const cpu = async <T>(run: () => Promise<T>): Promise<T & { cpuMs: number; mainThreadMs: number; projectorCpuMs: number; readModelsAfterMs: number; commits: string }> => {
      const before = await serverCpuMicros(child);
      const mainBefore = procCpuMicros(child.pid, true);
      const projectorBefore = procCpuMicros(projector?.pid);
      const commitsBefore = lastCommits;
      const result = await run();
      const answered = performance.now();
      const cpuMs = ((await serverCpuMicros(child)) - before) / 1_000;
      const mainThreadMs = (procCpuMicros(child.pid, true) - mainBefore) / 1_000;
      // How long after the last answer every read model had taken in the phase's events.
      const readModelsAfterMs = performance.now() - answered;
      const projectorCpuMs = (procCpuMicros(projector?.pid) - projectorBefore) / 1_000;
      const commits = lastCommits && commitsBefore ? `${fmt(lastCommits.appendCalls - commitsBefore.appendCalls)} appends in ${fmt(lastCommits.transactions - commitsBefore.transactions)} store commits` : '';
      return { ...result, cpuMs, mainThreadMs, projectorCpuMs, readModelsAfterMs, commits };
    };
    await drive(500, () => request(agent, port, 'GET', '/health', key), [200]);
    const health = await cpu(() => drive(Math.max(2_000, BATCHES * 20), () => request(agent, port, 'GET', '/health', key), [200]));
    await ask(child, 'prof-start', 'profiling');
    const batches = await cpu(() => drive(BATCHES, (i) => request(agent, port, 'POST', '/query-registrations/batch', key, {
      commandId: randomUUID(), registrations: Array.from({ length: 100 }, (_, j) => reg(`B${i}_${j}`, i * 100 + j)),
    }), [200]));
    await ask(child, 'prof-stop', 'profiling');
    await ask(child, 'single-prof-start', 'profiling');
    const singles = await cpu(() => drive(SINGLES, (i) => request(agent, port, 'POST', '/query-registrations', key, { commandId: randomUUID(), ...reg(`S${i}`, 500_000 + i) }), [201]));
    await ask(child, 'single-prof-stop', 'profiling');
    agent.destroy();
    const healthRps = (health.latencies.length) / health.seconds;
    const regsPerSecond = (BATCHES * 100) / batches.seconds;
    const singleRps = SINGLES / singles.seconds;
    const healthCpu = health.cpuMs / health.latencies.length;
    const batchCpu = batches.cpuMs / (BATCHES * 100);
    const singleCpu = singles.cpuMs / SINGLES;
    const projectorNote = (phase: { projectorCpuMs: number; readModelsAfterMs: number }, per: number) =>
      `${projector ? `; projector CPU ${fmt(phase.projectorCpuMs / per, 3)} ms` : ''}; read models current ${fmt(phase.readModelsAfterMs)} ms after the last answer`;
    console.log('\n(a) registrations over HTTP, %d clients, projections %s; load average %s', CLIENTS, role === 'run' ? 'in the service process (LEDGER_PROJECTIONS=run)' : role === 'thread' ? 'on a projector thread of the service process (LEDGER_PROJECTIONS=thread; server CPU includes it)' : 'in a projector process (service LEDGER_PROJECTIONS=follow + npm run cli -- project)', os.loadavg().map((l) => l.toFixed(1)).join(' '));
    console.log('  GET /health (baseline)           %s requests/s   p50 %s ms  p99 %s ms  server CPU %s ms/request', fmt(healthRps), fmt(pct(health.latencies, 50), 1), fmt(pct(health.latencies, 99), 1), fmt(healthCpu, 3));
    console.log('  batches of 100 (%d batches)       %s registrations/s (%s batches/s, p50 %s ms, p99 %s ms)  server CPU %s ms/registration (%sx health; main thread %s ms)%s%s', BATCHES, fmt(regsPerSecond), fmt(BATCHES / batches.seconds, 1), fmt(pct(batches.latencies, 50), 0), fmt(pct(batches.latencies, 99), 0), fmt(batchCpu, 3), (batchCpu / healthCpu).toFixed(2), fmt(batches.mainThreadMs / (BATCHES * 100), 3), projectorNote(batches, BATCHES * 100), batches.bad ? `  ${batches.bad} unexpected: ${batches.firstBad}` : '');
    console.log('  single registrations (%d)         %s registrations/s  p50 %s ms  p99 %s ms  server CPU %s ms/registration (%sx health)%s%s', SINGLES, fmt(singleRps), fmt(pct(singles.latencies, 50), 1), fmt(pct(singles.latencies, 99), 1), fmt(singleCpu, 3), (singleCpu / healthCpu).toFixed(2), projectorNote(singles, SINGLES), singles.bad ? `  ${singles.bad} unexpected: ${singles.firstBad}` : '');
    console.log('  ratio registrations/s to health requests/s: %sx; single to health: %sx', (regsPerSecond / healthRps).toFixed(2), (singleRps / healthRps).toFixed(2));
    if (batches.commits) console.log('  batches: %s; singles: %s', batches.commits, singles.commits);
    console.log('  target ≥ 5,000 registrations/s in batches: %s', regsPerSecond >= 5_000 ? 'PASS' : 'FAIL');
  } finally {
    child.send('stop');
    await new Promise((r) => child.once('exit', r));
    if (projector && projector.exitCode === null) {
      projector.kill('SIGTERM');
      await new Promise((r) => projector!.once('exit', r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// (b) + (c) the import, as shipped: the built CLI in a process of its own
// ---------------------------------------------------------------------------------------------
/** BENCH_QUERIES_CLI=<main.js> runs another build of the CLI (e.g. the code before a change) and skips the build. */
const CLI_MAIN = process.env.BENCH_QUERIES_CLI ?? join(__dirname, '..', 'dist', 'apps', 'ledger-cli', 'apps', 'ledger-cli', 'src', 'main.js');
const taipeiLine = (i: number) => Date.parse('2025-02-28T16:00:00.000Z') + Math.floor((i * 31 * 86_400_000) / LINES);
const benchAccounts = Array.from({ length: 10 }, (_, i) => `${AGENCY}.USER.${String(i).repeat(32)}`);

/**
 * The CLI's figures without touching its output: loaded with `node -r`, it writes the process's
 * peak RSS (getrusage), CPU time, wall time and the peak of JS heap + external (sampled every
 * 100 ms) to BENCH_PROC_STATS when the process exits.
 */
const PROCESS_STATS_PRELOAD = `
const { writeFileSync } = require('node:fs');
const file = process.env.BENCH_PROC_STATS;
const t0 = process.hrtime.bigint();
const rssAtStart = process.memoryUsage().rss;
let peakHeap = 0;
setInterval(() => { const m = process.memoryUsage(); peakHeap = Math.max(peakHeap, m.heapUsed + m.external); }, 100).unref();
process.on('exit', (code) => {
  const u = process.resourceUsage();
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed + m.external);
  writeFileSync(file, JSON.stringify({ code, maxRssKb: u.maxRSS, cpuMicros: u.userCPUTime + u.systemCPUTime, wallMs: Number(process.hrtime.bigint() - t0) / 1e6, rssAtStart, peakHeap }));
});
`;

/** The set-up, in a child of its own: the log file, a fresh ledger with registrations for a tenth of the lines, and the baseline. */
async function prepareChild(encoding: 'UTF-8' | 'BIG5', dataDir: string): Promise<void> {
  await import('reflect-metadata');
  const { Logger } = await import('@nestjs/common');
  Logger.overrideLogger(['error']);
  const { createEventStore, createPersonalData, createProjectionRunners, createReadModelStore, loadConfig } = await import('@ledger/platform');
  const { QUERY_LOGS_PROJECTION } = await import('@ledger/projections');
  const { queryRegistrationStreamId } = await import('@ledger/domain');
  const { fileLines } = await import('../apps/ledger-api/src/query-logs/query-log-importer');
  const { writeLargeLog, logLine, nationalId } = await import('../test/support/webir-log');
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir });
  const store = await createEventStore(config);
  const readModels = await createReadModelStore(config);
  const personal = await createPersonalData(config, {});
  const runner = createProjectionRunners(store, readModels, config).find((r) => r.name === QUERY_LOGS_PROJECTION)!;
  await runner.start();

  // A month of one agency: 10 accounts, 50,000 subjects, one line every ~2.6 s of March (Taipei).
  const taipei = (t: number) => new Date(t + 8 * 3_600_000).toISOString();
  const line = (i: number) => {
    const local = taipei(taipeiLine(i));
    return logLine({
      accountId: benchAccounts[i % 10], date: `114/${local.slice(5, 7)}/${local.slice(8, 10)}`, time: local.slice(11, 19), operationCode: OPS[0],
      subject: nationalId(i % 50_000), caseNumber: `C${i}`, reason: '低收入戶資格審查', result: i % 7 === 0 ? '查無資料' : '成功',
    });
  };
  const path = join(dataDir, `log.${encoding}.csv`);
  await writeLargeLog(path, LINES, encoding, line);

  // Registrations for every tenth line (the rest reconcile as UNREGISTERED_QUERY).
  const subjects = await personal.protector.protectIdentifiers(Array.from({ length: Math.ceil(LINES / 10) }, (_, k) => nationalId((k * 10) % 50_000)));
  // Sent 500 at a time without waiting in between, so the store's group commit shares one sync among them.
  for (let from = 0; from * 10 < LINES; from += 500) {
    const appends: Promise<unknown>[] = [];
    for (let k = from; k < from + 500 && k * 10 < LINES; k++) {
      const i = k * 10;
      appends.push(store.append(queryRegistrationStreamId(`R${i}`), [{
        eventId: randomUUID(), type: 'QueryRegistered',
        data: { registrationId: `R${i}`, agencyCode: AGENCY, accountId: benchAccounts[i % 10], operationCode: OPS[0], plannedAt: new Date(taipeiLine(i) - 60_000).toISOString(), caseNumber: `C${i}`, reason: '低收入戶資格審查', subject: subjects[k] },
        metadata: { $correlationId: 'b', $causationId: 'b', commandId: randomUUID(), actor: 'bench', occurredAt: new Date(taipeiLine(i) - 60_000).toISOString() },
      }], 'no_stream'));
    }
    await Promise.all(appends);
  }
  await runner.caughtUp();
  await runner.stop();
  await readModels.close();
  await personal.close();
  await store.close();

  // Baseline: read, decode and split the same file.
  const t0 = performance.now();
  let n = 0;
  for await (const l of fileLines(path, encoding)) n += l.text.length > 0 ? 1 : 0;
  const baselineSeconds = (performance.now() - t0) / 1000;
  await new Promise<void>((resolve) => process.send!({ path, lines: n, baselineLinesPerSecond: n / baselineSeconds }, undefined, undefined, () => resolve()));
}

/** (c) in a child of its own once the CLI has exited: the reconciliation summary and a point read. */
async function summaryChild(dataDir: string, importId: string): Promise<void> {
  const { createReadModelStore, loadConfig } = await import('@ledger/platform');
  const { reconciliationSummary, loggedQuery } = await import('@ledger/projections');
  const readModels = await createReadModelStore(loadConfig({ LEDGER_DATA_DIR: dataDir }));
  const summaryTimes: number[] = [];
  const pointTimes: number[] = [];
  for (let k = 0; k < 200; k++) {
    let s = performance.now();
    await reconciliationSummary(readModels, AGENCY, '2025-03');
    summaryTimes.push(performance.now() - s);
    s = performance.now();
    await loggedQuery(readModels, importId, 2 + ((k * 4999) % LINES));
    pointTimes.push(performance.now() - s);
  }
  summaryTimes.sort((a, b) => a - b);
  pointTimes.sort((a, b) => a - b);
  const summary = await reconciliationSummary(readModels, AGENCY, '2025-03');
  await readModels.close();
  await new Promise<void>((resolve) => process.send!({ matched: summary.matched, logged: summary.logged, summaryP50: pct(summaryTimes, 50), summaryP95: pct(summaryTimes, 95), pointP95: pct(pointTimes, 95) }, undefined, undefined, () => resolve()));
}

function childResult(args: string[]): Promise<Record<string, number | string>> {
  const child = fork(__filename, args, { execArgv: ['-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result: Record<string, number | string> | undefined;
    child.once('message', (m: Record<string, number | string>) => (result = m));
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`${args[0]} child exited with ${code}`))));
  });
}

let cliBuilt = false;
/** `nest build ledger-cli`, once per run: the bench measures the CLI as shipped. BENCH_QUERIES_NO_BUILD=1 reuses dist/. */
function buildCli(): void {
  if (cliBuilt || process.env.BENCH_QUERIES_NO_BUILD === '1' || process.env.BENCH_QUERIES_CLI) return;
  execFileSync(join(__dirname, '..', 'node_modules', '.bin', 'nest'), ['build', 'ledger-cli'], { cwd: join(__dirname, '..'), stdio: ['ignore', 'ignore', 'inherit'] });
  cliBuilt = true;
}

async function benchImport(encoding: 'UTF-8' | 'BIG5', role: ProjectionRole = 'run'): Promise<void> {
  buildCli();
  const dataDir = mkdtempSync(join(os.tmpdir(), 'bench-queries-log-'));
  try {
    const prepared = await childResult(['--prepare', encoding, dataDir]);
    const statsFile = join(dataDir, 'cli-stats.json');
    const preload = join(dataDir, 'process-stats.cjs');
    writeFileSync(preload, PROCESS_STATS_PRELOAD);
    const heap = IMPORT_HEAP_MB ? [`--max-old-space-size=${IMPORT_HEAP_MB}`] : [];
    // BENCH_QUERIES_PROF_THREADS=1: a profile per thread of the CLI (its projector thread's too), named by Node, in CPU_PROF's folder.
    const prof = CPU_PROF && encoding === 'UTF-8' ? ['--cpu-prof', `--cpu-prof-dir=${dirname(CPU_PROF)}`, ...(process.env.BENCH_QUERIES_PROF_THREADS ? [] : [`--cpu-prof-name=${basename(CPU_PROF)}`])] : [];
    // The CLI's own environment: the fresh ledger's directory, its keys from the secrets file there.
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEDGER_')));
    // follow: a projector process (the built CLI's `project`) runs every projection while the
    // import runs; import-log then waits for its query-logs read model instead of projecting it.
    const projectorStats = join(dataDir, 'projector-stats.json');
    // BENCH_QUERIES_PROJECTOR_PROF=<file>: a CPU profile of the projector process (UTF-8), written when it stops.
    const projectorProfile = process.env.BENCH_QUERIES_PROJECTOR_PROF;
    const projectorProf = projectorProfile && encoding === 'UTF-8' ? ['--cpu-prof', `--cpu-prof-dir=${dirname(projectorProfile)}`, `--cpu-prof-name=${basename(projectorProfile)}`] : [];
    // The read models other than query-logs first catch up with the seeded registrations, outside the measurement.
    if (role === 'follow') execFileSync(process.execPath, [CLI_MAIN, 'project', '--once'], { env: { ...env, LEDGER_DATA_DIR: dataDir }, stdio: ['ignore', 'ignore', 'inherit'] });
    const projector = role === 'follow'
      ? spawn(process.execPath, [...projectorProf, '-r', preload, CLI_MAIN, 'project', '--status-every', '0'], { env: { ...env, LEDGER_DATA_DIR: dataDir, BENCH_PROC_STATS: projectorStats }, stdio: ['ignore', 'ignore', 'inherit'] })
      : undefined;
    // Time to take the leases, so that import-log finds the query-logs lease held and waits for it.
    if (projector) await new Promise((r) => setTimeout(r, 1_500));
    const load0 = os.loadavg()[0];
    const t0 = performance.now();
    const cli = spawn(process.execPath, [...heap, ...prof, '-r', preload, CLI_MAIN, 'import-log', String(prepared.path), '--agency', AGENCY, '--month', '2025-03', '--encoding', encoding], {
      // Beside a projector process, import-log waits for it in its event loop as before the thread existed.
      env: { ...env, LEDGER_DATA_DIR: dataDir, BENCH_PROC_STATS: statsFile, LEDGER_PROJECTIONS: role === 'thread' ? 'thread' : 'run' }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out: Buffer[] = [];
    cli.stdout.on('data', (c: Buffer) => out.push(c));
    const code = await new Promise<number | null>((resolve) => cli.once('exit', resolve));
    const wallSeconds = (performance.now() - t0) / 1000;
    const load1 = os.loadavg()[0];
    let projectorNote = '';
    if (projector) {
      // import-log waited for the query-logs read model only: the projector is stopped once every
      // read model has caught up with the log, so that its figures cover the whole import's work
      // (stopped as import-log exited, they depended on how far the others had got by then).
      const caughtUpS = code === 0 ? await readModelsCaughtUp(dataDir, PROJECTOR_CATCH_UP_MS) : undefined;
      projector.kill('SIGTERM');
      await new Promise((r) => projector.once('exit', r));
      const p = JSON.parse(readFileSync(projectorStats, 'utf8')) as { maxRssKb: number; cpuMicros: number };
      const caughtUp = caughtUpS === undefined ? `not caught up ${fmt(PROJECTOR_CATCH_UP_MS / 1000)} s after import-log exited (figures cut there)` : `every read model caught up ${fmt(caughtUpS, 1)} s after import-log exited`;
      projectorNote = `; the projector (every read model, not only query-logs; ${caughtUp}): CPU ${fmt(p.cpuMicros / 1e6, 1)} s, peak RSS ${fmt((p.maxRssKb * 1024) / 1e6)} MB`;
    }
    if (code !== 0) throw new Error(`import-log exited with ${code}: ${Buffer.concat(out).toString('utf8').slice(0, 500)}`);
    const result = JSON.parse(Buffer.concat(out).toString('utf8')) as { importId: string; lineCount: number; acceptedCount: number; matchedCount: number; unregisteredCount: number };
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as { maxRssKb: number; cpuMicros: number; wallMs: number; rssAtStart: number; peakHeap: number };
    const c = await childResult(['--summary', dataDir, result.importId]);
    const v = (k: string) => Number(c[k]);
    const linesPerSecond = result.lineCount / wallSeconds;
    const cpuSeconds = stats.cpuMicros / 1e6;
    const peakRssMb = (stats.maxRssKb * 1024) / 1e6;
    const where = projector ? ', beside a projector process (`npm run cli -- project`)' : role === 'thread' ? ', query-logs read model on a thread of it (LEDGER_PROJECTIONS=thread)' : ', query-logs read model in its event loop (LEDGER_PROJECTIONS=run)';
    console.log('\n(b) import of a %s-line log in %s by the built CLI (`import-log`, a process of its own), with reconciliation (a tenth of the lines registered)%s%s; load average %s → %s', fmt(LINES), encoding, IMPORT_HEAP_MB ? `, node --max-old-space-size=${IMPORT_HEAP_MB}` : '', where, load0.toFixed(1), load1.toFixed(1));
    console.log('  read + decode + split (baseline)  %s lines/s', fmt(Number(prepared.baselineLinesPerSecond)));
    console.log('  import-log (start-up, check, append, read model, reconciliation)  %s lines/s in %s s (CPU %s s) = %sx baseline; peak RSS %s MB  (%s MB at the process start; JS heap + external peak %s MB)', fmt(linesPerSecond), fmt(wallSeconds, 1), fmt(cpuSeconds, 1), (linesPerSecond / Number(prepared.baselineLinesPerSecond)).toFixed(3), fmt(peakRssMb), fmt(stats.rssAtStart / 1e6), fmt(stats.peakHeap / 1e6));
    console.log('  CPU per 100,000 lines: %s s%s', fmt((cpuSeconds * 100_000) / LINES, 1), projectorNote);
    console.log('  logged %s, matched %s, UNREGISTERED_QUERY %s', fmt(v('logged')), fmt(v('matched')), fmt(result.unregisteredCount));
    console.log('  target ≥ 20,000 lines/s: %s; peak RSS < 400 MB: %s', linesPerSecond >= 20_000 ? 'PASS' : 'FAIL', peakRssMb < 400 ? 'PASS' : 'FAIL');
    console.log('(c) reconciliation summary of the agency-month (%s queries): p50 %s ms, p95 %s ms; point read of one logged query p95 %s ms (baseline); target p95 < 200 ms: %s',
      fmt(v('logged')), fmt(v('summaryP50'), 2), fmt(v('summaryP95'), 2), fmt(v('pointP95'), 2), v('summaryP95') < 200 ? 'PASS' : 'FAIL');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--serve') return serve(process.argv[3], process.argv[4] as ProjectionRole);
  if (process.argv[2] === '--prepare') return prepareChild(process.argv[3] as 'UTF-8' | 'BIG5', process.argv[4]);
  if (process.argv[2] === '--summary') return summaryChild(process.argv[3], process.argv[4]);
  console.log('bench:queries — %s, %d CPUs, load average %s (1 min)', new Date().toISOString(), os.cpus().length, os.loadavg()[0].toFixed(1));
  if (PARTS.includes('http')) for (const role of ROLES) await benchRegistrations(role);
  if (PARTS.includes('utf8')) for (const role of IMPORT_ROLES) await benchImport('UTF-8', role);
  if (PARTS.includes('big5')) for (const role of IMPORT_ROLES) await benchImport('BIG5', role);
}

main().then(
  () => {
    if (process.argv[2] !== '--serve') process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
