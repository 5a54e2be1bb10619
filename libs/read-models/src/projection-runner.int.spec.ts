import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFileSync, existsSync } from 'node:fs';
import { SqliteEventStore, StoreUnavailableError, type NewEvent, type RecordedEvent } from '@ledger/event-store';
import { projectEvents, ProjectionHandlerError } from './project-events';
import type { Projection } from './projection';
import { ProjectionAheadOfLogError, ProjectionRunner, projectionsHealth, ProjectionStoppedError } from './projection-runner';
import { SqliteReadModelStore } from './sqlite/sqlite-read-model-store';
import { projectTwice, snapshotReadModels } from './testing';
import { remove, upsert, type ReadModelStore, type ReadModelWrite } from './types';

/**
 * A toy projection that merges (reads, then increments), so any event applied twice shows up as
 * a wrong count: events per stream category, and per open stream until a Closed event deletes it.
 */
function categoryCounts(options: { failOn?: (event: RecordedEvent) => boolean } = {}): Projection {
  return {
    name: 'category-counts',
    collections: ['categories', 'streams'],
    indexes: { categories: [{ fields: ['events'] }] },
    handles: (type) => type !== 'Ignored',
    async project(event, read) {
      if (options.failOn?.(event)) throw new Error('handler bug');
      const category = event.streamId.slice(0, event.streamId.indexOf('-'));
      const current = await read.get<{ events: number }>('categories', category);
      const writes: ReadModelWrite[] = [upsert('categories', category, { category, events: (current?.events ?? 0) + 1, lastType: event.type })];
      if (event.type === 'Closed') {
        writes.push(remove('streams', event.streamId));
      } else {
        const stream = await read.get<{ events: number }>('streams', event.streamId);
        writes.push(upsert('streams', event.streamId, { events: (stream?.events ?? 0) + 1 }));
      }
      return writes;
    },
  };
}

const event = (type = 'Happened'): NewEvent => ({
  eventId: randomUUID(),
  type,
  data: { n: 1 },
  metadata: {
    $correlationId: randomUUID(),
    $causationId: randomUUID(),
    commandId: randomUUID(),
    actor: 'runner-test',
    occurredAt: '2025-06-30T16:00:00.000Z',
  },
});

/** Appends and keeps the expected read model alongside, computed without the projection. */
class Scenario {
  readonly categories = new Map<string, number>();
  readonly streams = new Map<string, number>();
  appended = 0;

  constructor(private readonly events: () => SqliteEventStore) {}

  async append(streamId: string, types: string[]): Promise<void> {
    for (const type of types) {
      await this.events().append(streamId, [event(type)], 'any');
      this.appended += 1;
      if (type === 'Ignored') continue;
      const category = streamId.split('-')[0]!;
      this.categories.set(category, (this.categories.get(category) ?? 0) + 1);
      if (type === 'Closed') this.streams.delete(streamId);
      else this.streams.set(streamId, (this.streams.get(streamId) ?? 0) + 1);
    }
  }

  /** n events spread over a few categories and streams, some streams closed. */
  async appendMany(n: number, seed = 0): Promise<void> {
    for (let i = 0; i < n; i++) {
      const k = i + seed;
      const stream = `${['agency', 'account', 'query'][k % 3]}-${k % 5}`;
      await this.append(stream, [k % 11 === 10 ? 'Closed' : k % 13 === 12 ? 'Ignored' : 'Happened']);
    }
  }

  async expectReadModel(store: ReadModelStore): Promise<void> {
    const categories = await store.find<{ events: number }>('categories');
    expect(Object.fromEntries(categories.map((d) => [d._id, d.events]))).toEqual(Object.fromEntries(this.categories));
    const streams = await store.find<{ events: number }>('streams');
    expect(Object.fromEntries(streams.map((d) => [d._id, d.events]))).toEqual(Object.fromEntries(this.streams));
  }
}

describe('ProjectionRunner (embedded event store + SQLite read models)', () => {
  let dir: string;
  let eventsFile: string;
  let readModelsFile: string;
  let events: SqliteEventStore;
  let readModels: SqliteReadModelStore;
  let scenario: Scenario;
  let runners: ProjectionRunner[];
  const errors: string[] = [];
  const logger = { log: () => undefined, error: (message: unknown) => void errors.push(String(message)) };

  const runner = (projection = categoryCounts(), store: ReadModelStore = readModels, pageSize = 10) => {
    const r = new ProjectionRunner({ projection, eventStore: events, readModels: store, pageSize, logger });
    runners.push(r);
    return r;
  };

  const reopen = async () => {
    for (const r of runners.splice(0)) await r.stop();
    await events.close();
    await readModels.close();
    events = new SqliteEventStore({ file: eventsFile, synchronous: 'OFF' });
    readModels = new SqliteReadModelStore({ file: readModelsFile });
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'projection-runner-'));
    eventsFile = join(dir, 'events.db');
    readModelsFile = join(dir, 'read-models.db');
    events = new SqliteEventStore({ file: eventsFile, synchronous: 'OFF' });
    readModels = new SqliteReadModelStore({ file: readModelsFile });
    scenario = new Scenario(() => events);
    runners = [];
    errors.length = 0;
  });

  afterEach(async () => {
    for (const r of runners) await r.stop();
    await events.close();
    await readModels.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new format version drops what the earlier version stored and rebuilds once; later starts resume', async () => {
    await scenario.appendMany(30);
    const v1 = runner();
    await v1.start();
    await v1.caughtUp();
    await scenario.expectReadModel(readModels);
    await v1.stop();

    let projected = 0;
    // Version 2 stores the count under another field: documents of version 1 must not survive.
    const v2 = (): Projection => ({
      ...categoryCounts(),
      version: 2,
      async project(e, read) {
        projected += 1;
        const category = e.streamId.slice(0, e.streamId.indexOf('-'));
        const current = await read.get<{ count?: number }>('categories', category);
        return [upsert('categories', category, { category, count: (current?.count ?? 0) + 1 })];
      },
    });
    const second = runner(v2());
    await second.start();
    await second.caughtUp();
    const expected = Object.fromEntries(scenario.categories);
    const docs = await readModels.find<{ count?: number; events?: number }>('categories');
    expect(Object.fromEntries(docs.map((d) => [d._id, d.count]))).toEqual(expected);
    expect(docs.every((d) => d.events === undefined)).toBe(true);
    expect(await readModels.find('streams')).toEqual([]);
    expect(await readModels.checkpoint('category-counts')).toBeUndefined();
    expect(await readModels.checkpoint('category-counts@v2')).toBe(BigInt(scenario.appended));

    await reopen();
    projected = 0;
    await scenario.appendMany(3, 100);
    const third = runner(v2());
    await third.start();
    await third.caughtUp();
    // Resumed after its checkpoint: only the three new events, nothing replayed.
    expect(projected).toBe(3 - [100, 101, 102].filter((k) => k % 13 === 12).length);
    const after = await readModels.find<{ count?: number }>('categories');
    expect(Object.fromEntries(after.map((d) => [d._id, d.count]))).toEqual(Object.fromEntries(scenario.categories));
  });

  it('refuses a version that is not a positive integer', () => {
    expect(() => runner({ ...categoryCounts(), version: 0 })).toThrow(/version/);
    expect(() => runner({ ...categoryCounts(), version: 1.5 })).toThrow(/version/);
  });

  it('catches up over the log in pages, then follows live appends', async () => {
    await scenario.appendMany(47);
    const r = runner();
    await r.start();
    await r.caughtUp();
    await scenario.expectReadModel(readModels);
    expect(await readModels.checkpoint('category-counts')).toBe(47n);

    await scenario.append('agency-9', ['Happened', 'Happened', 'Closed']);
    await r.caughtUp();
    await scenario.expectReadModel(readModels);
    expect((await r.status()).position).toBe('50');
  });

  it('cuts pages at a weight as well as a count, catching up and live: every event applied once, no page over the bound but a lone heavy event', async () => {
    // Weights 1–4 by position, and one event (position 17) heavier than the bound on its own.
    const weigh = (e: RecordedEvent) => (e.position === 17n ? 9 : Number(e.position % 4n) + 1);
    const pages: number[][] = [];
    const watched = Object.create(readModels, {
      applyBatch: {
        value: (projection: string, batch: Parameters<ReadModelStore['applyBatch']>[1]) => {
          pages.push(batch.map((b) => Number(b.position)));
          return readModels.applyBatch(projection, batch);
        },
      },
    }) as ReadModelStore;
    await scenario.appendMany(40);
    const r = new ProjectionRunner({ projection: categoryCounts(), eventStore: events, readModels: watched, pageSize: 10, logger, pageWeight: { weigh, max: 6 } });
    runners.push(r);
    await r.start();
    await r.caughtUp();
    await scenario.appendMany(25, 40);
    await r.caughtUp();
    // A burst live: twelve events in one commit, which one live page would otherwise take whole.
    await events.append('burst-1', Array.from({ length: 12 }, () => event()), 'any');
    scenario.categories.set('burst', 12);
    scenario.streams.set('burst-1', 12);
    await r.caughtUp();
    await scenario.expectReadModel(readModels);
    expect(pages.filter((page) => page.some((p) => p > 65)).length).toBeGreaterThanOrEqual(Math.ceil(12 / 3));

    const weightOf = (positions: number[]) => positions.reduce((sum, p) => sum + (p === 17 ? 9 : (p % 4) + 1), 0);
    // Pages carry the positions of the events they projected (Ignored ones are skipped): none over 6 unless alone, none twice.
    const all = pages.flat();
    expect(new Set(all).size).toBe(all.length);
    for (const page of pages) if (page.length > 1) expect(weightOf(page)).toBeLessThanOrEqual(6);
    expect(pages.some((page) => page.length === 1 && page[0] === 17)).toBe(true);
    // Counted alone, 40 events in pages of 10 would have been 4 pages; weighed, each holds 1–3 events.
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(77 / 3));
    expect(errors).toEqual([]);
  });

  it('run twice: projecting the same events again changes nothing', async () => {
    await scenario.appendMany(40);
    const all = await events.readAll();
    const { once, twice, checkpoint } = await projectTwice(categoryCounts(), all);
    expect(twice).toEqual(once);
    expect(checkpoint).toBe(40n);

    // And through the runner's own store: replaying the whole log over a caught-up model.
    const r = runner();
    await r.start();
    await r.caughtUp();
    const before = await snapshotReadModels(readModels, ['categories', 'streams']);
    expect(before).toEqual(once);
    await projectEvents(categoryCounts(), readModels, all);
    await projectEvents(categoryCounts(), readModels, all.slice(13, 29));
    expect(await snapshotReadModels(readModels, ['categories', 'streams'])).toEqual(before);
    await scenario.expectReadModel(readModels);
  });

  it('resumes after a restart from the stored checkpoint, with a new runner on the same files', async () => {
    await scenario.appendMany(25);
    const first = runner();
    await first.start();
    await first.caughtUp();
    await first.stop();
    expect((await first.status()).state).toBe('stopped');

    await reopen();
    await scenario.appendMany(18, 25);
    const readAll = jest.spyOn(events, 'readAll');
    const second = runner();
    await second.start();
    await second.caughtUp();
    expect(readAll.mock.calls[0]?.[0]).toEqual({ after: 25n, maxCount: 10 });
    await scenario.expectReadModel(readModels);
    expect(await readModels.checkpoint('category-counts')).toBe(43n);
  });

  it('stops only that projection when its handler throws mid-page, and resumes without double counting', async () => {
    await scenario.appendMany(35);
    let broken = true;
    const projection = categoryCounts({ failOn: (e) => broken && e.position === 15n });
    const r = runner(projection);
    await r.start();
    await expect(r.caughtUp()).rejects.toBeInstanceOf(ProjectionHandlerError);

    const status = await r.status();
    expect(status).toMatchObject({ name: 'category-counts', state: 'failed', position: '10', headPosition: '35', lag: 25 });
    expect(status.error).toMatch(/failed on Happened at position 15: handler bug/);
    expect(errors.join('\n')).toMatch(/handler bug/);
    // Nothing of the failed page is stored: the first page only.
    expect(await readModels.checkpoint('category-counts')).toBe(10n);
    const stored = await readModels.find<{ events: number }>('categories');
    // The first ten events of appendMany are all counted ones.
    expect(stored.reduce((sum, d) => sum + d.events, 0)).toBe(10);
    expect(await projectionsHealth([r])).toMatchObject({ ok: false });

    broken = false;
    await r.start();
    await r.caughtUp();
    await scenario.expectReadModel(readModels);
    expect(await r.status()).toMatchObject({ state: 'running', lag: 0 });
    expect((await r.status()).error).toBeUndefined();
  });

  it('replays a page whose documents were stored but whose checkpoint was not, without double counting', async () => {
    // What a crash between document writes and checkpoint looks like on a store without
    // transactions (MongoDB): the position guard must absorb the replay of that page.
    await scenario.appendMany(30);
    let calls = 0;
    const crashing: ReadModelStore = Object.create(readModels, {
      applyBatch: {
        value: async (projection: string, batch: Parameters<ReadModelStore['applyBatch']>[1]) => {
          calls += 1;
          if (calls < 2) return readModels.applyBatch(projection, batch);
          // The documents land (under a throwaway checkpoint name), the real checkpoint does not.
          await readModels.applyBatch('crashed-before-checkpoint', batch);
          throw new Error('process killed before the checkpoint');
        },
      },
    });
    const first = runner(categoryCounts(), crashing);
    await first.start();
    await expect(first.caughtUp()).rejects.toThrow(/killed/);
    expect(await readModels.checkpoint('category-counts')).toBe(10n);
    const ahead = await readModels.find<{ events: number }>('categories');
    expect(ahead.reduce((sum, d) => sum + d.events, 0)).toBeGreaterThan(10);

    await reopen();
    // A larger page after the restart (another configuration, or the live path's own paging) puts
    // events already applied and new ones in one page: the new ones must build on what is stored.
    const second = runner(categoryCounts(), readModels, 100);
    await second.start();
    await second.caughtUp();
    await scenario.expectReadModel(readModels);
  });

  it('rebuilds: drops the read model, replays the log to the same result, and goes on live', async () => {
    await scenario.appendMany(33);
    const r = runner();
    await r.start();
    await r.caughtUp();
    const before = await snapshotReadModels(readModels, ['categories', 'streams']);
    // Something a buggy earlier version left behind, which only a drop removes.
    await readModels.applyEvent('someone-else', 999n, [upsert('categories', 'stale', { events: 1 })]);

    await r.rebuild();
    expect(await snapshotReadModels(readModels, ['categories', 'streams'])).toEqual(before);
    expect(await r.status()).toMatchObject({ state: 'running', position: '33', lag: 0 });

    await scenario.append('query-1', ['Happened']);
    await r.caughtUp();
    await scenario.expectReadModel(readModels);
  });

  it('reports position, head and lag for /health', async () => {
    await scenario.appendMany(12);
    const r = runner();
    expect(await r.status()).toEqual({ name: 'category-counts', state: 'stopped', position: null, headPosition: '12', lag: 12, catchingUp: false });
    await r.start();
    await r.caughtUp();
    expect(await r.status()).toEqual({ name: 'category-counts', state: 'running', position: '12', headPosition: '12', lag: 0, catchingUp: false });
    await r.stop();
    await scenario.appendMany(3, 12);
    expect(await r.status()).toEqual({ name: 'category-counts', state: 'stopped', position: '12', headPosition: '15', lag: 3, catchingUp: false });
    expect(JSON.parse(JSON.stringify(await projectionsHealth([r])))).toEqual({
      ok: true,
      projections: [{ name: 'category-counts', state: 'stopped', position: '12', headPosition: '15', lag: 3, catchingUp: false }],
    });
  });

  it('says it is catching up while it reads the log page by page, until it follows it live', async () => {
    await scenario.appendMany(12);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const firstPage = new Promise<void>((resolve) => (entered = resolve));
    const applyBatch = readModels.applyBatch.bind(readModels);
    jest.spyOn(readModels, 'applyBatch').mockImplementationOnce(async (...args) => {
      entered();
      await gate;
      return applyBatch(...args);
    });
    const r = runner(categoryCounts(), readModels, 5);
    await r.start();
    await firstPage;
    expect(await r.status()).toMatchObject({ state: 'running', catchingUp: true });
    release();
    await r.caughtUp();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await r.status()).toMatchObject({ state: 'running', catchingUp: false, lag: 0 });
    await r.stop();
  });

  it('advances the checkpoint over events it does not handle, so it is not shown lagging', async () => {
    await scenario.append('agency-1', ['Ignored', 'Ignored', 'Ignored']);
    const r = runner();
    await r.start();
    await r.caughtUp();
    expect(await readModels.find('categories')).toEqual([]);
    expect(await r.status()).toMatchObject({ position: '3', lag: 0 });
  });

  it('applies a live burst in pages rather than one commit per event', async () => {
    const r = runner(categoryCounts(), readModels, 25);
    await r.start();
    await r.caughtUp();
    const applyBatch = jest.spyOn(readModels, 'applyBatch');
    await Promise.all(Array.from({ length: 60 }, (_, i) => scenario.append(`account-${i % 4}`, ['Happened'])));
    await r.caughtUp();
    await scenario.expectReadModel(readModels);
    expect(applyBatch.mock.calls.length).toBeLessThanOrEqual(10);
  });

  it('fails a projection that writes outside its own collections', async () => {
    await scenario.appendMany(3);
    const rogue: Projection = { ...categoryCounts(), project: () => [upsert('roster', 'x', { n: 1 })] };
    const r = runner(rogue);
    await r.start();
    await expect(r.caughtUp()).rejects.toThrow(/roster, which is not one of its collections/);
    expect(await readModels.checkpoint('category-counts')).toBeUndefined();
  });

  it('is safe to start and stop twice, and says so when awaited while not running', async () => {
    await scenario.appendMany(5);
    const r = runner();
    await expect(r.caughtUp()).rejects.toBeInstanceOf(ProjectionStoppedError);
    await Promise.all([r.start(), r.start()]);
    await r.caughtUp();
    await r.stop();
    await r.stop();
    await scenario.expectReadModel(readModels);
  });

  it('issue 8: a read model ahead of its log (an older events.db restored) refuses to run, reports broken and says to rebuild', async () => {
    await scenario.appendMany(30);
    await events.close();
    copyFileSync(eventsFile, join(dir, 'older-events.db'));
    events = new SqliteEventStore({ file: eventsFile, synchronous: 'OFF' });
    await scenario.appendMany(8, 30);
    const first = runner();
    await first.start();
    await first.caughtUp();
    expect(await readModels.checkpoint('category-counts')).toBe(38n);

    await reopen();
    await events.close();
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(eventsFile + suffix)) rmSync(eventsFile + suffix);
    copyFileSync(join(dir, 'older-events.db'), eventsFile);
    events = new SqliteEventStore({ file: eventsFile, synchronous: 'OFF' });
    // Two new events reuse positions 31–32, which the read model believes it has applied.
    await events.append('agency-new', [event(), event()], 'any');

    const r = runner();
    await r.start();
    await expect(r.caughtUp()).rejects.toBeInstanceOf(ProjectionAheadOfLogError);
    const status = await r.status();
    expect(status).toMatchObject({ state: 'broken', position: '38', headPosition: '32' });
    expect(status.error).toMatch(/checkpoint 38 is beyond the log's head 32.*rebuild category-counts/);
    expect(await projectionsHealth([r])).toMatchObject({ ok: false });
    expect(await readModels.checkpoint('category-counts')).toBe(38n);

    await r.rebuild();
    expect(await r.status()).toMatchObject({ state: 'running', position: '32', lag: 0 });
    const counted = await readModels.find<{ events: number }>('categories');
    expect(counted.find((d) => d._id === 'agency')?.events).toBeGreaterThanOrEqual(2);
  });

  it('issue 8: a read model whose log loses its tail while running reports broken in status, not lag 0', async () => {
    await scenario.appendMany(10);
    const r = runner();
    await r.start();
    await r.caughtUp();
    jest.spyOn(events, 'headPosition').mockResolvedValue(7n);
    expect(await r.status()).toMatchObject({ state: 'broken', position: '10', headPosition: '7' });
    expect(await projectionsHealth([r])).toMatchObject({ ok: false });
  });

  it('issue 8: while the event store is unavailable the projection retries with backoff from its checkpoint, then resumes', async () => {
    await scenario.appendMany(25);
    let down = false;
    const readAll = events.readAll.bind(events);
    jest.spyOn(events, 'readAll').mockImplementation(async (options) => {
      if (down) throw new StoreUnavailableError('embedded store made unavailable by the test');
      return readAll(options);
    });
    const r = new ProjectionRunner({ projection: categoryCounts(), eventStore: events, readModels, pageSize: 10, logger, retryBaseMs: 20, retryMaxMs: 80 });
    runners.push(r);
    await r.start();
    await r.caughtUp();

    down = true;
    await scenario.appendMany(7, 25);
    // Backoff 20, 40, 80, 80… ms: wait (bounded) until it has retried at least twice.
    for (let waited = 0; ((await r.status()).retries ?? 0) < 2 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const during = await r.status();
    expect(during).toMatchObject({ state: 'retrying', position: '25', headPosition: '32' });
    expect(during.retries).toBeGreaterThanOrEqual(2);
    expect(during.error).toMatch(/made unavailable/);
    expect(await projectionsHealth([r])).toMatchObject({ ok: true });

    down = false;
    await r.caughtUp();
    await scenario.expectReadModel(readModels);
    const after = await r.status();
    expect(after).toMatchObject({ state: 'running', lag: 0 });
    expect(after.error).toBeUndefined();
    expect(after.retries).toBeUndefined();
  });

  it('a read-model file whose write lock another process keeps past the busy timeout: the projection retries with backoff, then resumes', async () => {
    // Before: SQLite's "database is locked" failed the projection for good (seen with a projector beside import-log).
    await scenario.appendMany(12);
    const patient = new SqliteReadModelStore({ file: readModelsFile, busyTimeoutMs: 30 });
    const r = new ProjectionRunner({ projection: categoryCounts(), eventStore: events, readModels: patient, pageSize: 10, logger, retryBaseMs: 20, retryMaxMs: 80 });
    runners.push(r);
    await r.start();
    await r.caughtUp();

    const holder = new Database(readModelsFile);
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare("INSERT INTO projection_leases (projection, holder, expires_at) VALUES ('other', 'x', 0)").run();
    await scenario.appendMany(6, 12);
    for (let waited = 0; ((await r.status()).retries ?? 0) < 2 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const during = await r.status();
    expect(during).toMatchObject({ state: 'retrying', position: '12', headPosition: '18' });
    expect(during.error).toMatch(/write lock/);
    expect(await projectionsHealth([r])).toMatchObject({ ok: true });

    holder.exec('COMMIT');
    holder.close();
    await r.caughtUp();
    await scenario.expectReadModel(patient);
    expect(await r.status()).toMatchObject({ state: 'running', lag: 0 });
    await r.stop();
    await patient.close();
  });

  it('SQLite\'s own busy error from a read (another connection recovering the file) is waited out like an unavailable store', async () => {
    await scenario.appendMany(8);
    let busy = 0;
    const readAll = events.readAll.bind(events);
    jest.spyOn(events, 'readAll').mockImplementation(async (options) => {
      if (busy > 0) {
        busy -= 1;
        throw Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY_RECOVERY' });
      }
      return readAll(options);
    });
    const r = new ProjectionRunner({ projection: categoryCounts(), eventStore: events, readModels, pageSize: 10, logger, retryBaseMs: 20, retryMaxMs: 40 });
    runners.push(r);
    busy = 2;
    await r.start();
    await r.caughtUp();
    await scenario.expectReadModel(readModels);
    expect(await r.status()).toMatchObject({ state: 'running', lag: 0 });
    expect(errors.filter((m) => /store error at position none, retry \d in \d+ ms: database is locked/.test(m))).toHaveLength(2);
  });

  it("issue 8: a handler's own error still fails the projection (it is not retried)", async () => {
    await scenario.appendMany(5);
    const r = new ProjectionRunner({ projection: categoryCounts({ failOn: (e) => e.position === 3n }), eventStore: events, readModels, pageSize: 10, logger, retryBaseMs: 10 });
    runners.push(r);
    await r.start();
    await expect(r.caughtUp()).rejects.toBeInstanceOf(ProjectionHandlerError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await r.status()).toMatchObject({ state: 'failed' });
  });

  it('refuses a malformed projection definition', () => {
    expect(() => runner({ ...categoryCounts(), collections: [] })).toThrow(/must name its collections/);
    expect(() => runner({ ...categoryCounts(), indexes: { roster: [{ fields: ['a'] }] } })).toThrow(/not one of its collections/);
  });
});
