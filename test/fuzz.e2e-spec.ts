import type { EventStore } from '@ledger/event-store';
import { EVENT_STORE } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { ADMIN_KEY, startTestApp } from './support/app';
import { fuzzUuid, runFuzz } from './support/fuzz';

/**
 * Issue 7, finding 9: an OpenAPI-driven fuzz over every route (read from /docs-json), seeded so a
 * failure replays: wrong types, missing and unknown fields, huge and deeply nested bodies,
 * prototype keys, NUL/CR/LF and non-ASCII in path and query, impossible dates, bad content types
 * and encodings. No answer may be a 5xx, and a refused request may append nothing to the ledger
 * (records of refused callers in the security stream aside).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20251201);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2000);

let t: Awaited<ReturnType<typeof startTestApp>>;
let doc: unknown;
let store: EventStore;

beforeAll(async () => {
  t = await startTestApp({ LEDGER_RATE_LIMIT_PER_MINUTE: '1000000', LEDGER_RATE_LIMIT_ANON_PER_MINUTE: '1000000' });
  store = t.app.get<EventStore>(EVENT_STORE);
  doc = (await t.http().get('/docs-json').expect(200)).body;
  // Some state, so that requests reach the deciders and not only 404s.
  const send = (path: string, body: object) => t.http().post(path).set('X-API-Key', ADMIN_KEY).send({ commandId: fuzzUuid(), ...body });
  await send('/agencies', { agencyCode: 'SWD001', name: '臺北市政府社會局', role: 'DATA_REQUESTER' }).expect(201);
  await send('/agencies', { agencyCode: 'DIT001', name: '臺北市政府資訊局', role: 'CENTRAL_ADMIN' }).expect(201);
  await send('/applications', { applicationId: 'SWD001_2025_017', agencyCode: 'SWD001', kind: 'USER_ACCOUNT_ADD', holder: { nationalId: 'A123456789' } }).expect(201);
}, 60_000);
afterAll(() => t.close());

it(`answers ${REQUESTS} fuzzed requests over every route with 0 × 5xx, and refused ones append nothing (seed ${SEED})`, async () => {
  const report = await runFuzz({ http: t.http, doc, store, seed: SEED, requests: REQUESTS, adminKey: ADMIN_KEY });
  process.stdout.write(`[fuzz] seed ${SEED}: ${report.requests} requests over ${report.routes} routes in ${report.seconds.toFixed(1)} s; statuses ${JSON.stringify(report.statuses)}; 5xx: ${report.serverErrors.length}\n`);
  expect(report.routes).toBeGreaterThan(30);
  expect(report.serverErrors).toEqual([]);
  expect(report.appendedOnRefusal).toEqual([]);
}, 300_000);

it('fuzzes every route the service serves: each one is described in the OpenAPI document', () => {
  const express = t.app.getHttpAdapter().getInstance();
  const stack = (express.router ?? express._router).stack as { route?: { path: string; methods: Record<string, boolean> } }[];
  const served = stack
    .filter((layer) => layer.route && !/^\/(docs|\{\*path\})/.test(layer.route.path))
    .flatMap((layer) => Object.keys(layer.route!.methods).map((method) => `${method} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`));
  const described = Object.entries((doc as { paths: Record<string, object> }).paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
  expect(served.length).toBeGreaterThanOrEqual(55);
  expect(served.filter((route) => !described.includes(route))).toEqual([]);
});
