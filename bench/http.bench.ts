/**
 * HTTP command-path benchmark: `npm run bench:http`.
 *
 * Starts the real service (the app `npm start` serves, embedded store at synchronous=FULL, in a
 * temporary directory) in a child process listening on 127.0.0.1 only, then drives it from this
 * process with 64 concurrent keep-alive clients:
 *   (a) baseline — GET /health: requests/s, p50/p99 latency;
 *   (b) commands — POST /agencies, each registering a new agency (read its stream, decide, reserve
 *       the commandId, append): commands/s, p50/p99 latency;
 *   (c) commands on existing streams — POST /agencies/:code/personnel on the agencies of (b), so
 *       each command folds a stream that already has events.
 * The three are interleaved in short slices (ROUNDS rounds of health, commands, commands on
 * existing streams) and summed per kind, so load from elsewhere on the machine drifting during the
 * run weighs on baseline and commands alike. The server's CPU time per request (from the child's
 * process.cpuUsage() around each slice) is printed too: it is what the route costs, and moves far
 * less than requests/s when other work loads the machine. Every phase is bounded by a request count and a time
 * limit, whichever comes first. It stops by itself, removes its files and exits 0 unless it
 * crashes: PASS/FAIL is printed.
 *
 * Sizes: BENCH_HTTP_CLIENTS (64), BENCH_HTTP_REQUESTS per kind (15,000), BENCH_HTTP_SECONDS per kind
 * (15), BENCH_HTTP_ROUNDS (6), BENCH_HTTP_KINDS (health,new,existing: which kinds run).
 *
 * BENCH_HTTP_CPU_PROF=<dir>: a V8 CPU profile of the server over the measured rounds (not its start-up
 * nor the warm-up), written to <dir>. BENCH_HTTP_THREADS_PROF=<dir>: one profile per thread of the
 * server (event loop, projector thread, WAL checkpointer, vault sealer), from its start to its exit.
 *
 * BENCH_HTTP_PROJECTIONS=thread: the service's projections on a worker thread of its own (LEDGER_PROJECTIONS=thread).
 * BENCH_HTTP_PROJECTIONS=follow: the service runs no projection (LEDGER_PROJECTIONS=follow) and a
 * projector process (`npm run cli -- project`) beside it does; BENCH_HTTP_PROJECTIONS=run: in the
 * service's event loop. Unset: the service's own default on this machine (thread with two cores or more).
 *
 * Logging: off by default (the figures are the command path's); BENCH_HTTP_LOG=production serves
 * with the production log setting instead (LEDGER_LOG_LEVEL as configured, info by default: a line per request, written to the
 * child's stdout, which goes to /dev/null), to show what structured logging costs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { serviceNodeFlags } from './service-node-flags';

const CLIENTS = Number(process.env.BENCH_HTTP_CLIENTS ?? 64);
const REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 15_000);
const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 15);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 6);
const WARMUP = 1_000;
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const TARGET_CMDS = 3_000;
const TARGET_P99_MS = 50;
const TARGET_RATIO = 0.8;
const PRODUCTION_LOG = process.env.BENCH_HTTP_LOG === 'production';
/** Which kinds run (health,new,existing): one kind alone gives a CPU profile of that route only. */
const KINDS = new Set((process.env.BENCH_HTTP_KINDS ?? 'health,new,existing').split(',').map((k) => k.trim()));

// ---------------------------------------------------------------------------------------------
// Server side (child process): the real app, loopback only
// ---------------------------------------------------------------------------------------------
async function serve(dataDir: string): Promise<void> {
  await import('reflect-metadata');
  const { loadConfig } = await import('@ledger/platform');
  const { createApp } = await import('../apps/ledger-api/src/bootstrap');
  const config = loadConfig({ ...process.env, LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_API_KEY: ADMIN_KEY } as Record<string, string>);
  const app = await createApp({ config }, PRODUCTION_LOG ? undefined : false);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.send?.({ port: address.port });
  const { EVENT_STORE } = await import('../apps/ledger-api/src/infrastructure/event-store.provider');
  const store = app.get<{ stats?: () => { transactions: number; appendCalls: number } }>(EVENT_STORE);
  // BENCH_HTTP_CPU_PROF: the profile covers the measured rounds only, not start-up and warm-up.
  const { Session } = await import('node:inspector');
  const profiler = new Session();
  const post = (method: string) => new Promise<unknown>((resolve, reject) => profiler.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  process.on('message', (message) => {
    if (message === 'profile-start') {
      profiler.connect();
      void post('Profiler.enable').then(() => post('Profiler.start')).then(() => process.send?.({ profiling: true }));
    }
    if (typeof message === 'object' && message !== null && 'profileTo' in message) {
      void post('Profiler.stop').then((result) => {
        writeFileSync((message as { profileTo: string }).profileTo, JSON.stringify((result as { profile: unknown }).profile));
        profiler.disconnect();
        process.send?.({ profiled: true });
      });
    }
    if (message === 'stop') void app.close().then(() => process.exit(0));
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpuMicros: user + system, commits: store.stats?.() });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Client side
// ---------------------------------------------------------------------------------------------
interface Request {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

interface PhaseResult {
  name: string;
  requests: number;
  errors: Record<string, number>;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Server CPU time (user + system) per request: unlike requests/s, barely moved by other load on the machine. */
  cpuMsPerRequest: number;
  appendsPerCommit: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

/** The first body answered with each unexpected status, printed at the end so a FAIL says why. */
const firstBodies = new Map<number, string>();

function send(port: number, request: Request): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'X-API-Key': ADMIN_KEY };
    if (request.body) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(request.body);
    }
    const req = http.request({ host: '127.0.0.1', port, method: request.method, path: request.path, agent, headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 400 && !firstBodies.has(status)) {
        firstBodies.set(status, '');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => firstBodies.set(status, (firstBodies.get(status) ?? '') + chunk));
      } else res.resume();
      res.on('end', () => resolve(status));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(request.body);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

interface Slices {
  latencies: number[];
  errors: Record<string, number>;
  seconds: number;
  cpuMicros: number;
  /** Store transactions and the appends they carried (group commit: several appends, one fsync). */
  transactions: number;
  appendCalls: number;
}
const slices = (): Slices => ({ latencies: [], errors: {}, seconds: 0, cpuMicros: 0, transactions: 0, appendCalls: 0 });

function summary(name: string, s: Slices): PhaseResult {
  const sorted = [...s.latencies].sort((a, b) => a - b);
  return { name, requests: sorted.length, errors: s.errors, seconds: s.seconds, perSecond: sorted.length / s.seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), cpuMsPerRequest: s.cpuMicros / 1_000 / sorted.length, appendsPerCommit: s.appendCalls / s.transactions };
}

/** `CLIENTS` loops, each sending its next request when the last one answered, until the count or the time is used up. */
let server: ChildProcess | undefined;
interface ServerCounters {
  cpuMicros: number;
  commits?: { transactions: number; appendCalls: number };
}
function serverCounters(): Promise<ServerCounters> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && 'cpuMicros' in m) {
        server?.off('message', onMessage);
        resolve(m as ServerCounters);
      }
    };
    server?.on('message', onMessage);
    server?.send('cpu');
  });
}

/** Sends the server a message and waits for its answer carrying `key`. */
function serverReply(message: unknown, key: string): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      if (typeof m === 'object' && m !== null && key in m) {
        server?.off('message', onMessage);
        resolve();
      }
    };
    server?.on('message', onMessage);
    server?.send(message as string);
  });
}

async function phase(into: Slices, port: number, next: (i: number) => Request, count: number, seconds: number, expected: number): Promise<void> {
  const { latencies, errors } = into;
  let issued = 0;
  const before = await serverCounters();
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  const client = async () => {
    while (issued < count && performance.now() < deadline) {
      const request = next(issued++);
      const t0 = performance.now();
      try {
        const status = await send(port, request);
        latencies.push(performance.now() - t0);
        if (status !== expected) errors[status] = (errors[status] ?? 0) + 1;
      } catch (error) {
        const key = (error as Error).message;
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  into.seconds += (performance.now() - started) / 1_000;
  const after = await serverCounters();
  into.cpuMicros += after.cpuMicros - before.cpuMicros;
  into.transactions += (after.commits?.transactions ?? 0) - (before.commits?.transactions ?? 0);
  into.appendCalls += (after.commits?.appendCalls ?? 0) - (before.commits?.appendCalls ?? 0);
}

const health = (): Request => ({ method: 'GET', path: '/health' });

let agencySeq = 0;
const registered: string[] = [];
const registerAgency = (): Request => {
  const agencyCode = `B${process.pid}_${(agencySeq++).toString(36)}`;
  registered.push(agencyCode);
  return { method: 'POST', path: '/agencies', body: JSON.stringify({ commandId: randomUUID(), agencyCode, name: '臺北市政府社會局', role: 'DATA_REQUESTER' }) };
};
/** Letters only: a person id holding something shaped like a national ID (letter, digit, 8 digits) is refused, as it should be. */
const letters = (n: number) => Array.from(randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join('');
let personnelSeq = 0;
const designate = (): Request => {
  const agencyCode = registered[personnelSeq++ % registered.length];
  const body = { commandId: randomUUID(), personnelRole: 'CONTACT_WINDOW', personId: `person_${letters(20)}`, effectiveDate: '2025-07-01' };
  return { method: 'POST', path: `/agencies/${agencyCode}/personnel`, body: JSON.stringify(body) };
};

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function line(r: PhaseResult, baseline?: PhaseResult): string {
  const errors = Object.entries(r.errors).map(([k, v]) => `${v}×${k}`).join(', ');
  const ratio = baseline ? `  ${fmt(r.perSecond / baseline.perSecond, 2)}× health` : '';
  const cpuRatio = baseline ? ` (${fmt(r.cpuMsPerRequest / baseline.cpuMsPerRequest, 2)}×)` : '';
  const group = r.name.startsWith('POST') && r.appendsPerCommit > 0 ? `  ${fmt(r.appendsPerCommit, 1)} appends/commit` : '';
  return `${r.name.padEnd(34)} ${fmt(r.perSecond).padStart(7)}/s  p50 ${fmt(r.p50, 1).padStart(6)} ms  p99 ${fmt(r.p99, 1).padStart(6)} ms  server CPU ${fmt(r.cpuMsPerRequest, 3)} ms/request${cpuRatio}  (${fmt(r.requests)} in ${fmt(r.seconds, 1)} s)${ratio}${group}${errors ? `  unexpected: ${errors}` : ''}`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'ledger-bench-http-'));
  // Unset: as the service runs by default on this machine (a projector thread on two cores or more).
  const { defaultProjectionRole } = await import('@ledger/platform');
  const role = process.env.BENCH_HTTP_PROJECTIONS ?? defaultProjectionRole();
  if (!['run', 'follow', 'thread'].includes(role)) throw new Error(`BENCH_HTTP_PROJECTIONS must be run, follow or thread, not ${role}`);
  const follow = role === 'follow';
  const child: ChildProcess = fork(__filename, ['--serve', dataDir], {
    execArgv: ['-r', '@swc-node/register', ...serviceNodeFlags(), ...(process.env.BENCH_HTTP_THREADS_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_HTTP_THREADS_PROF}`] : [])],
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', LEDGER_PROJECTIONS: role },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  server = child;
  let projector: ChildProcess | undefined;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve((m as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
    });
    if (follow) {
      projector = fork(join(__dirname, '../apps/ledger-cli/src/main.ts'), ['project', '--status-every', '0'], {
        execArgv: ['-r', '@swc-node/register'],
        env: { ...process.env, LEDGER_DATA_DIR: dataDir, LEDGER_LOG_LEVEL: 'error' },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
    }
    console.log(`bench:http — ${CLIENTS} concurrent keep-alive clients on 127.0.0.1, ≤ ${fmt(REQUESTS)} requests or ≤ ${SECONDS} s per kind in ${ROUNDS} interleaved rounds; logging ${PRODUCTION_LOG ? 'as in production (info)' : 'off'}; projections ${follow ? 'in a projector process (LEDGER_PROJECTIONS=follow)' : role === 'thread' ? 'on a projector thread of the service (LEDGER_PROJECTIONS=thread)' : 'in the service\'s event loop (LEDGER_PROJECTIONS=run)'}${process.env.BENCH_HTTP_PROJECTIONS ? '' : ', the service\'s default here'}; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

    await phase(slices(), port, health, WARMUP, 10, 200);
    await phase(slices(), port, registerAgency, WARMUP, 10, 201);

    // BENCH_HTTP_CPU_PROF=<dir> writes a V8 CPU profile of the server over the measured rounds.
    const profileDir = process.env.BENCH_HTTP_CPU_PROF;
    if (profileDir) await serverReply('profile-start', 'profiling');
    const kinds = [slices(), slices(), slices()];
    const perSlice = Math.ceil(REQUESTS / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      if (KINDS.has('health')) await phase(kinds[0], port, health, perSlice, SECONDS / ROUNDS, 200);
      if (KINDS.has('new')) await phase(kinds[1], port, registerAgency, perSlice, SECONDS / ROUNDS, 201);
      if (KINDS.has('existing')) await phase(kinds[2], port, designate, perSlice, SECONDS / ROUNDS, 201);
    }
    if (profileDir) {
      mkdirSync(profileDir, { recursive: true });
      const file = join(profileDir, `server-${[...KINDS].join('-')}-${Date.now()}.cpuprofile`);
      await serverReply({ profileTo: file }, 'profiled');
      console.log(`server CPU profile of the measured rounds: ${file}`);
    }
    const baseline = summary('GET /health (baseline)', kinds[0]);
    const commands = summary('POST /agencies (new stream)', kinds[1]);
    const existing = summary('POST /agencies/:code/personnel', kinds[2]);
    console.log('');
    // A kind left out by BENCH_HTTP_KINDS has no figures: a row of NaN would read as a measurement.
    if (KINDS.has('health')) console.log(line(baseline));
    const against = KINDS.has('health') ? baseline : undefined;
    if (KINDS.has('new')) console.log(line(commands, against));
    if (KINDS.has('existing')) console.log(line(existing, against));
    console.log('');
    if (!KINDS.has('health') || !KINDS.has('new')) {
      console.log('target: not judged (it compares POST /agencies with GET /health; run both kinds)');
      return;
    }
    const ratio = commands.perSecond / baseline.perSecond;
    const absolute = commands.perSecond >= TARGET_CMDS && commands.p99 < TARGET_P99_MS;
    const relative = ratio >= TARGET_RATIO;
    const clean = Object.keys(commands.errors).length === 0 && Object.keys(baseline.errors).length === 0;
    console.log(`target: ≥ ${fmt(TARGET_CMDS)} commands/s with p99 < ${TARGET_P99_MS} ms (${absolute ? 'met' : 'not met'}), or ≥ ${TARGET_RATIO}× GET /health (${fmt(ratio, 2)}×: ${relative ? 'met' : 'not met'})`);
    for (const [status, body] of firstBodies) console.log(`first ${status} answer: ${body.slice(0, 300)}`);
    console.log(`${(absolute || relative) && clean ? 'PASS' : 'FAIL'}${clean ? '' : ' (unexpected answers, see above)'}`);
  } finally {
    child.send?.('stop');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(undefined);
      }, 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    if (projector && projector.exitCode === null) {
      projector.kill('SIGTERM');
      await new Promise((resolve) => projector!.once('exit', resolve));
    }
    agent.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') void serve(process.argv[3]);
else main().catch((error) => {
  console.error(error);
  process.exit(1);
});
