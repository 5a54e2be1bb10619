import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import request from 'supertest';
import type { EventStore } from '@ledger/event-store';
import { loadConfig } from '@ledger/platform';
import { createApp } from '../apps/ledger-api/src/bootstrap';
import { SecurityLogService } from '../apps/ledger-api/src/auth/security-log.service';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { runFuzz } from '../test/support/fuzz';

/**
 * bench:security (issue 7): the fuzz over every route (requests and 5xx), the ledger's growth from
 * 3,000 keyless requests (target ≤ 60 events), and a normal writer's p99 latency during that flood
 * against the same writer alone, measured in this run in interleaved rounds (target ≤ 2×). Sizes:
 * BENCH_FUZZ_REQUESTS, BENCH_FLOOD_REQUESTS, BENCH_WRITER_COMMANDS, BENCH_WRITER_ROUNDS.
 */
const FUZZ = Number(process.env.BENCH_FUZZ_REQUESTS ?? 3000);
const ONLY_WRITER = process.env.BENCH_ONLY_WRITER === '1';
const FLOOD = Number(process.env.BENCH_FLOOD_REQUESTS ?? 3000);
const WRITES = Number(process.env.BENCH_WRITER_COMMANDS ?? 300);
const ROUNDS = Number(process.env.BENCH_WRITER_ROUNDS ?? 6);
const ADMIN_KEY = 'bench-admin-key-0123456789';

async function start(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-bench-security-'));
  const app = await createApp({ config: loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_API_KEY: ADMIN_KEY, ...env }) }, false);
  const server = await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { app, base, store: app.get<EventStore>(EVENT_STORE), close: async () => { await app.close(); rmSync(dataDir, { recursive: true, force: true }); } };
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

/** One integrator-like writer: sequential commands with a valid key, each timed. */
async function writer(base: string, key: string, n: number, tag: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    const res = await fetch(`${base}/agencies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ commandId: randomUUID(), agencyCode: `${tag}${i}`, name: '臺北市政府某局', role: 'DATA_REQUESTER' }),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`writer got ${res.status}`);
    times.push(performance.now() - t0);
  }
  return times;
}

// The attacker runs in its own thread: sharing the server's event loop would slow the server for reasons of the bench's own.
// 'pause' stops it issuing (it answers 'idle' once its requests in flight are answered), 'resume' starts it again.
const FLOOD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { base, total, clients } = workerData;
const statuses = {};
let sent = 0;
let inFlight = 0;
let stopped = false;
let paused = workerData.paused;
let wake = [];
const idle = () => { if (paused && inFlight === 0) parentPort.postMessage('idle'); };
parentPort.on('message', (m) => {
  if (m === 'pause') { paused = true; idle(); return; }
  if (m === 'resume') { paused = false; const w = wake; wake = []; w.forEach((f) => f()); return; }
  stopped = true;
  const w = wake; wake = []; w.forEach((f) => f());
});
const one = async () => {
  while (sent < total && !stopped) {
    if (paused) { await new Promise((r) => wake.push(r)); continue; }
    sent += 1;
    inFlight += 1;
    const res = await fetch(base + (process.env.BENCH_FLOOD_PATH || '/agencies'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ commandId: crypto.randomUUID(), agencyCode: 'X', name: 'x', role: 'DATA_REQUESTER' }) });
    await res.arrayBuffer();
    inFlight -= 1;
    statuses[res.status] = (statuses[res.status] || 0) + 1;
    idle();
  }
};
Promise.all(Array.from({ length: clients }, one)).then(() => parentPort.postMessage(statuses));
`;

interface Flood {
  done: Promise<Map<number, number>>;
  stop: () => void;
  /** Stops issuing; resolves once every request in flight has been answered. */
  pause: () => Promise<void>;
  resume: () => void;
}

/** Keyless clients hammering from one address until stopped (or `total` requests) — the attack of finding 6. */
function flood(base: string, total: number, clients = 16, paused = false): Flood {
  const worker = new Worker(FLOOD_WORKER, { eval: true, workerData: { base, total, clients, paused } });
  let onIdle: (() => void) | undefined;
  const done = new Promise<Map<number, number>>((resolve, reject) => {
    worker.on('message', (message: Record<string, number> | 'idle') => {
      if (message === 'idle') {
        onIdle?.();
        onIdle = undefined;
        return;
      }
      void worker.terminate();
      resolve(new Map(Object.entries(message).map(([k, v]) => [Number(k), v])));
    });
    worker.once('error', reject);
  });
  return {
    done,
    stop: () => worker.postMessage('stop'),
    pause: () =>
      new Promise<void>((resolve) => {
        onIdle = resolve;
        worker.postMessage('pause');
      }),
    resume: () => worker.postMessage('resume'),
  };
}

async function main() {
  const out: string[] = [];
  // 1. Fuzz
  if (!ONLY_WRITER) {
    const s = await start({ LEDGER_RATE_LIMIT_PER_MINUTE: '1000000', LEDGER_RATE_LIMIT_ANON_PER_MINUTE: '1000000' });
    const doc = await (await fetch(`${s.base}/docs-json`)).json();
    const report = await runFuzz({ http: () => request(s.base), doc, store: s.store, seed: 7, requests: FUZZ, adminKey: ADMIN_KEY });
    out.push(`fuzz: ${report.requests} requests over ${report.routes} routes in ${report.seconds.toFixed(1)} s; 5xx: ${report.serverErrors.length}; refused requests that appended: ${report.appendedOnRefusal.length}`);
    await s.close();
  }
  // 2. Ledger growth from keyless requests
  if (!ONLY_WRITER) {
    const s = await start();
    const before = (await s.store.readAll({ maxCount: 1_000_000 })).length;
    const t0 = performance.now();
    const statuses = await flood(s.base, FLOOD).done;
    const seconds = (performance.now() - t0) / 1000;
    await s.app.get(SecurityLogService).flush();
    const grown = (await s.store.readAll({ maxCount: 1_000_000 })).length - before;
    out.push(`keyless flood: ${FLOOD} requests in ${seconds.toFixed(1)} s (${JSON.stringify(Object.fromEntries(statuses))}); ledger grew by ${grown} events (target ≤ 60) ${grown <= 60 ? 'OK' : 'MISSED'}`);
    await s.close();
  }
  // 3. A normal writer's p99 alone and during a flood: one app, the writer's commands in ROUNDS
  //    slices alternating between "alone" and "flood under way" (ABBA order), so that load drifting
  //    on the machine during the run weighs on both figures alike, as in bench:http.
  {
    const s = await start();
    await writer(s.base, ADMIN_KEY, 20, 'W'); // warm-up
    const attack = flood(s.base, Number.MAX_SAFE_INTEGER, 16, true);
    const quiet: number[] = [];
    const loud: number[] = [];
    const perSlice = Math.ceil(WRITES / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const flooded of round % 2 === 0 ? [false, true] : [true, false]) {
        if (flooded) {
          attack.resume();
          await new Promise((r) => setTimeout(r, 300)); // the flood is under way before the writer starts
          loud.push(...(await writer(s.base, ADMIN_KEY, perSlice, `L${round}_`)));
          await attack.pause();
        } else quiet.push(...(await writer(s.base, ADMIN_KEY, perSlice, `Q${round}_`)));
      }
    }
    attack.stop();
    const statuses = await attack.done;
    await s.close();
    const [q, l] = [percentile(quiet, 99), percentile(loud, 99)];
    const flooded = [...statuses.values()].reduce((a, b) => a + b, 0);
    out.push(
      `writer p50/p99 alone: ${percentile(quiet, 50).toFixed(1)} / ${q.toFixed(1)} ms; during a flood of ${flooded} keyless requests (${JSON.stringify(Object.fromEntries(statuses))}): ${percentile(loud, 50).toFixed(1)} / ${l.toFixed(1)} ms; p99 ratio ${(l / q).toFixed(2)}× (target ≤ 2×) ${l / q <= 2 ? 'OK' : 'MISSED'}; ${quiet.length} + ${loud.length} commands in ${ROUNDS} interleaved rounds; load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`,
    );
  }
  process.stdout.write(`\nbench:security\n${out.map((l) => `  ${l}`).join('\n')}\n`);
  process.exit(0);
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
