import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteEventStore, StoreUnavailableError, type NewEvent } from '@ledger/event-store';
import { ProjectionRunner } from './projection-runner';
import { SqliteReadModelStore } from './sqlite/sqlite-read-model-store';
import { upsert } from './types';
import type { Projection } from './projection';

const event = (): NewEvent => ({
  eventId: randomUUID(),
  type: 'Happened',
  data: {},
  metadata: { $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'lease-test', occurredAt: '2025-06-30T16:00:00.000Z' },
});

const counts: Projection = {
  name: 'counts',
  collections: ['counts'],
  handles: () => true,
  async project(e, read) {
    const current = await read.get<{ n: number }>('counts', e.streamId);
    return [upsert('counts', e.streamId, { n: (current?.n ?? 0) + 1 })];
  },
};

const until = async (check: () => Promise<boolean> | boolean, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('projection leases: exactly one instance runs a projection (issue 8 finding 9)', () => {
  let dir: string;
  let events: SqliteEventStore;
  let readModels: SqliteReadModelStore;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lease-'));
    events = new SqliteEventStore({ file: join(dir, 'events.db'), synchronous: 'OFF' });
    readModels = new SqliteReadModelStore({ file: join(dir, 'read-models.db') });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await events.close();
    await readModels.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('in one process: one runner holds the lease, the other stands by, serves read-your-writes, and takes over on release', async () => {
    const make = (holder: string) => new ProjectionRunner({ projection: counts, eventStore: events, readModels, lease: { holder, ttlMs: 600, renewMs: 50 }, logger: { log: () => undefined, error: () => undefined } });
    const a = make('a');
    const b = make('b');
    await a.start();
    await until(async () => (await a.status()).leaseHeld === true);
    await b.start();
    await until(async () => (await b.status()).state === 'standby');
    for (let i = 0; i < 20; i++) await events.append(`s-${i % 3}`, [event()], 'any');
    expect(await b.waitFor(20n, 5_000)).toBe(true);
    expect(await b.status()).toMatchObject({ state: 'standby', leaseHeld: false, position: '20' });
    // caughtUp on standby follows the holder's checkpoint (`project --once` beside a running service).
    await events.append('s-8', [event()], 'any');
    await b.caughtUp();
    expect(await b.status()).toMatchObject({ state: 'standby', position: '21' });

    await a.stop();
    await until(async () => (await b.status()).leaseHeld === true);
    await events.append('s-9', [event()], 'any');
    await b.caughtUp();
    const docs = await readModels.find<{ n: number }>('counts');
    expect(docs.reduce((sum, d) => sum + d.n, 0)).toBe(22);
    await b.stop();
  });

  it('a renewal the store does not answer (its file busy a moment) keeps the projection running while the lease surely holds; past that it stands by', async () => {
    const logs: string[] = [];
    const r = new ProjectionRunner({ projection: counts, eventStore: events, readModels, lease: { holder: 'a', ttlMs: 2_000, renewMs: 200 }, logger: { log: (m: unknown) => void logs.push(String(m)), error: () => undefined } });
    let busy = 0;
    const acquire = readModels.acquireLease.bind(readModels);
    const spy = jest.spyOn(readModels, 'acquireLease').mockImplementation(async (...args) => {
      if (busy > 0) {
        busy -= 1;
        throw new StoreUnavailableError('read-model file busy (made so by the test)');
      }
      return acquire(...args);
    });
    await r.start();
    try {
      await until(async () => (await r.status()).leaseHeld === true);
      // Three renewals unanswered, then the store answers again: never on standby, and events go on being applied.
      busy = 3;
      const states = new Set<string>();
      for (let i = 0; i < 10; i++) {
        await events.append(`s-${i % 2}`, [event()], 'any');
        states.add((await r.status()).state);
        await new Promise((resolve) => setTimeout(resolve, 60));
      }
      await until(() => busy === 0);
      await r.caughtUp();
      expect([...states]).toEqual(['running']);
      expect(await r.status()).toMatchObject({ state: 'running', leaseHeld: true, position: '10' });
      expect(logs.filter((m) => /standing by/.test(m))).toEqual([]);
      // Unanswered for good: it stands by before the lease it holds may lapse (2 s after its last renewal).
      busy = Number.MAX_SAFE_INTEGER;
      const since = Date.now();
      await until(async () => (await r.status()).state === 'standby');
      expect(Date.now() - since).toBeLessThan(2_000);
      expect(logs.at(-1)).toBe('could not renew the lease before it may lapse; standing by');
      busy = 0;
      await until(async () => (await r.status()).leaseHeld === true);
    } finally {
      spy.mockRestore();
      await r.stop();
    }
  });

  it('a follower (LEDGER_PROJECTIONS=follow) never runs or takes the lease, even when free; it answers read-your-writes and caughtUp from the checkpoint the projector writes, and refuses to rebuild', async () => {
    const quiet = { log: () => undefined, error: () => undefined };
    const follower = new ProjectionRunner({ projection: counts, eventStore: events, readModels, lease: { holder: 'api', ttlMs: 300, renewMs: 50 }, follow: true, logger: quiet });
    await follower.start();
    for (let i = 0; i < 12; i++) await events.append(`s-${i % 4}`, [event()], 'any');
    // Well past the lease's ttl with nobody holding it: a standby instance would have taken it by now.
    await new Promise((r) => setTimeout(r, 400));
    expect(await follower.status()).toMatchObject({ state: 'standby', leaseHeld: false, position: null, lag: 12, projectorAlive: false });
    expect(await readModels.find('counts')).toEqual([]);
    expect(await follower.waitFor(12n, 100)).toBe(false);

    const projector = new ProjectionRunner({ projection: counts, eventStore: events, readModels, lease: { holder: 'projector', ttlMs: 600, renewMs: 50 }, logger: quiet });
    const waited = follower.waitFor(12n, 5_000);
    const caughtUp = follower.caughtUp();
    await projector.start();
    expect(await waited).toBe(true);
    await caughtUp;
    expect(await follower.status()).toMatchObject({ state: 'standby', leaseHeld: false, position: '12', lag: 0, projectorAlive: true });
    await expect(follower.rebuild()).rejects.toThrow(/only followed by this instance/);
    const docs = await readModels.find<{ n: number }>('counts');
    expect(docs.reduce((sum, d) => sum + d.n, 0)).toBe(12);

    // A caughtUp pending when the follower stops rejects instead of hanging.
    await events.append('s-late', [event()], 'any');
    await projector.stop();
    // A clean stop releases the lease: nobody keeps the read model current any more.
    expect(await follower.status()).toMatchObject({ projectorAlive: false });
    const pending = follower.caughtUp();
    await follower.stop();
    await expect(pending).rejects.toThrow(/stopped/);
  });

  it('the holder reports each position it applied (onApplied), and a follower told of it (observe) answers a waiting read at once', async () => {
    const quiet = { log: () => undefined, error: () => undefined };
    // A checkpoint a follower would poll for never comes: only observe() can end its wait before the timeout.
    const follower = new ProjectionRunner({ projection: counts, eventStore: events, readModels, follow: true, logger: quiet });
    await follower.start();
    const started = Date.now();
    const waited = follower.waitFor(3n, 10_000);
    follower.observe(2n);
    let settled = false;
    void waited.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 120));
    expect(settled).toBe(false);
    follower.observe(3n);
    expect(await waited).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await follower.waitFor(3n, 0)).toBe(true);
    await follower.stop();

    const applied: bigint[] = [];
    const holder = new ProjectionRunner({ projection: counts, eventStore: events, readModels, logger: quiet, onApplied: (p) => applied.push(p) });
    for (let i = 0; i < 5; i++) await events.append(`s-${i}`, [event()], 'any');
    await holder.start();
    await holder.caughtUp();
    // Reported once committed: the checkpoint a reader then finds is at least the position reported.
    expect(applied.at(-1)).toBe(5n);
    expect(await readModels.checkpoint('counts')).toBe(5n);
    expect(applied).toEqual([...applied].sort((a, b) => (a < b ? -1 : 1)));
    await holder.stop();
  });

  it('two processes on the same embedded files: one killed mid-projection, the other takes over when its lease expires, nothing counted twice', async () => {
    const total = 200;
    for (let i = 0; i < total; i++) await events.append(`s-${i % 7}`, [event()], 'any');
    const worker = resolve(__dirname, 'testing-lease/lease-worker.ts');
    const lines: Record<string, { state: string; position: string | null; leaseHeld: boolean }> = {};
    const spawnWorker = (holder: string): ChildProcess => {
      const child = spawn(process.execPath, ['-r', '@swc-node/register', worker, dir, holder, '1500', '15'], { cwd: resolve(__dirname, '../../..'), stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      let buffer = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        for (const line of parts) if (line.startsWith('{')) lines[holder] = JSON.parse(line);
      });
      return child;
    };
    const workers = { a: spawnWorker('a'), b: spawnWorker('b') };
    await until(() => Object.values(lines).some((l) => l.leaseHeld && Number(l.position ?? 0) > 20) && Object.keys(lines).length === 2, 30_000);
    const [holder, other] = lines.a.leaseHeld ? (['a', 'b'] as const) : (['b', 'a'] as const);
    expect(lines[other]).toMatchObject({ state: 'standby', leaseHeld: false });

    const positionAtKill = Number(lines[holder].position);
    expect(positionAtKill).toBeLessThan(total);
    workers[holder].kill('SIGKILL');
    await new Promise((r) => workers[holder].once('exit', r));

    await until(() => lines[other].leaseHeld === true && lines[other].position === String(total), 30_000);
    workers[other].kill('SIGTERM');
    await new Promise((r) => workers[other].once('exit', r));

    const docs = await readModels.find<{ n: number; by: string[] }>('counts');
    expect(docs.reduce((sum, d) => sum + d.n, 0)).toBe(total);
    expect(new Set(docs.flatMap((d) => d.by))).toEqual(new Set(['a', 'b']));
    expect(await readModels.checkpoint('slow-counts')).toBe(BigInt(total));
  }, 90_000);
});
