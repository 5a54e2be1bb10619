import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Issue 8 finding 9: several service processes share one set of stores; exactly one of them runs
 * each projection (a lease in the read-model store), the others stand by and serve reads, and when
 * the holder dies another takes over from the checkpoint. Two real service processes on the same
 * embedded files; the one holding the leases is killed with SIGKILL while events keep arriving.
 */
const root = resolve(__dirname, '..');
const ADMIN_KEY = `wl_${randomUUID().replace(/-/g, '')}`;
const LEASE_MS = 1500;

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

interface Service {
  name: string;
  port: number;
  child: ChildProcess;
  url: (path: string) => string;
}

function startService(name: string, port: number, dataDir: string, extraEnv: Record<string, string> = {}): Service {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/ledger-api/src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      LEDGER_DATA_DIR: dataDir,
      LEDGER_ADMIN_API_KEY: ADMIN_KEY,
      LEDGER_PROJECTION_LEASE_MS: String(LEASE_MS),
      LEDGER_LOG_LEVEL: 'warn',
      // Instances that run their projections themselves, each contending for the leases, unless a case says otherwise.
      LEDGER_PROJECTIONS: 'run',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return { name, port, child, url: (path) => `http://127.0.0.1:${port}${path}` };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

interface ProjectionView {
  name: string;
  state: string;
  position: string | null;
  lag: number | null;
}

async function projections(service: Service): Promise<ProjectionView[]> {
  const res = await fetch(service.url('/health/details'), { headers: { 'X-API-Key': ADMIN_KEY } });
  if (res.status !== 200) throw new Error(`${service.name} /health/details answered ${res.status}`);
  return ((await res.json()) as { projections: ProjectionView[] }).projections;
}

async function register(service: Service, agencyCode: string): Promise<Response> {
  return fetch(service.url('/agencies'), {
    method: 'POST',
    headers: { 'X-API-Key': ADMIN_KEY, 'Content-Type': 'application/json' },
    body: JSON.stringify({ commandId: randomUUID(), agencyCode, name: `區公所${agencyCode}`, role: 'DATA_REQUESTER' }),
  });
}

describe('two service processes on the same embedded files', () => {
  let dataDir: string;
  const services: Service[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-instances-'));
  });
  afterAll(() => {
    for (const s of services) s.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exactly one runs each projection; when it is killed the other takes over from the checkpoint', async () => {
    const first = startService('first', await freePort(), dataDir);
    services.push(first);
    await until('the first service to answer', async () => ((await fetch(first.url('/health/live'))).ok ? true : undefined));
    const second = startService('second', await freePort(), dataDir);
    services.push(second);
    await until('the second service to answer', async () => ((await fetch(second.url('/health/live'))).ok ? true : undefined));

    // Commands may go to either instance.
    for (let i = 0; i < 5; i++) expect((await register(i % 2 ? second : first, `IA${i}`)).status).toBe(201);

    const split = await until('one holder per projection, caught up', async () => {
      const [a, b] = await Promise.all([projections(first), projections(second)]);
      const names = a.map((p) => p.name);
      const holders = names.map((name) => {
        const states = [a, b].map((list) => list.find((p) => p.name === name)!.state);
        return { name, states };
      });
      const ok = holders.every(({ states }) => states.filter((s) => s === 'running').length === 1 && states.filter((s) => s === 'standby').length === 1);
      const caughtUp = [...a, ...b].filter((p) => p.state === 'running').every((p) => p.lag === 0);
      return ok && caughtUp ? holders : undefined;
    });
    expect(split.length).toBeGreaterThanOrEqual(2);

    // Kill the instance running the roster projection while more events arrive.
    const rosterHolder = (await projections(first)).find((p) => p.name === 'roster')!.state === 'running' ? first : second;
    const survivor = rosterHolder === first ? second : first;
    const writes = Array.from({ length: 20 }, (_, i) => register(survivor, `IB${i}`));
    rosterHolder.child.kill('SIGKILL');
    const statuses = await Promise.all(writes);
    expect(statuses.map((r) => r.status)).toEqual(Array(20).fill(201));

    // The survivor takes every lease once it expires and catches up with all 25 agencies.
    const after = await until(
      'the survivor to run every projection with no lag',
      async () => {
        const list = await projections(survivor);
        return list.every((p) => p.state === 'running' && p.lag === 0) ? list : undefined;
      },
      LEASE_MS * 10 + 20_000,
    );
    expect(after.map((p) => p.state)).toEqual(after.map(() => 'running'));
    const roster = await fetch(survivor.url('/agencies/IB19/roster'), { headers: { 'X-API-Key': ADMIN_KEY } });
    expect(roster.status).toBe(200);
  }, 120_000);
});

/**
 * LEDGER_PROJECTIONS=follow: the service answers commands and reads but runs no projection; the
 * projector (`npm run cli -- project`, its own process) writes the read models it serves, so that
 * projection work never shares the command path's event loop.
 */
describe('a following service and a projector process on the same embedded files', () => {
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-projector-'));
  });
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startProjector = (args: string[]) => {
    let out = '';
    let err = '';
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/ledger-cli/src/main.ts', 'project', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LEDGER_DATA_DIR: dataDir, LEDGER_PROJECTION_LEASE_MS: String(LEASE_MS), LEDGER_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    children.push(child);
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    return { child, exited, output: () => out, errors: () => err };
  };

  it('the service runs nothing and never takes a lease; the projector fills the read models it serves, read-your-writes included; SIGTERM stops the projector cleanly', async () => {
    const service = startService('follower', await freePort(), dataDir, { LEDGER_PROJECTIONS: 'follow' });
    children.push(service.child);
    await until('the service to answer', async () => ((await fetch(service.url('/health/live'))).ok ? true : undefined));
    expect((await register(service, 'FA1')).status).toBe(201);
    // Past the lease's ttl with no holder: a `run` instance would have taken every lease by now.
    await new Promise((r) => setTimeout(r, LEASE_MS * 2));
    const idle = await projections(service);
    expect(idle.length).toBeGreaterThanOrEqual(2);
    for (const p of idle) expect(p).toMatchObject({ state: 'standby', position: null });
    expect((await fetch(service.url('/agencies/FA1/roster'), { headers: { 'X-API-Key': ADMIN_KEY } })).status).toBe(404);
    const unready = await fetch(service.url('/health/ready'));
    expect(unready.status).toBe(503);
    expect(JSON.stringify(await unready.json())).toContain('no-projector');

    const projector = startProjector(['--status-every', '1']);
    await until('the projector to catch up every projection', async () => {
      const list = await projections(service);
      return list.every((p) => p.lag === 0 && p.position !== null) ? list : undefined;
    });
    for (const p of await projections(service)) expect(p).toMatchObject({ state: 'standby', projectorAlive: true });
    expect((await fetch(service.url('/health/ready'))).status).toBe(200);
    expect((await fetch(service.url('/agencies/FA1/roster'), { headers: { 'X-API-Key': ADMIN_KEY } })).status).toBe(200);

    const second = await register(service, 'FA2');
    expect(second.status).toBe(201);
    const { position } = (await second.json()) as { position: string };
    const read = await fetch(service.url(`/agencies/FA2/roster?minPosition=${position}`), { headers: { 'X-API-Key': ADMIN_KEY } });
    expect(read.status).toBe(200);

    await until('a status line from the projector', async () => (/roster standby|roster running/.test(projector.output()) ? true : undefined));
    expect(projector.output()).toMatch(/^roster running position \d+ lag 0$/m);
    projector.child.kill('SIGTERM');
    expect(await projector.exited).toBe(0);
    service.child.kill('SIGTERM');
  }, 120_000);

  it('project --once catches up with the log as it is and exits 0, printing each position', async () => {
    const once = startProjector(['--once']);
    expect(await once.exited).toBe(0);
    expect(once.output()).toMatch(/^roster running position \d+ lag 0$/m);
    expect(once.output()).not.toMatch(/failed|broken/);
    expect(once.errors()).toBe('');
    const only = startProjector(['--once', '--only', 'roster']);
    expect(await only.exited).toBe(0);
    expect(only.output()).toMatch(/^roster running position \d+ lag 0$/m);
    expect(only.output()).not.toMatch(/^obligations /m);
    const unknown = startProjector(['--once', '--only', 'roster,nope']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.errors()).toContain('--only: unknown projection "nope"; known: roster,');
    const bad = startProjector(['--status-every', 'soon']);
    expect(await bad.exited).toBe(2);
    expect(bad.errors()).toContain('--status-every: must be a whole number of seconds');
  }, 60_000);
});
