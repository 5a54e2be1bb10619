import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { loadConfig } from './config';
import { createEventStore } from './event-store.factory';
import { startProjectorThread } from './projector-thread';

describe('the projector thread (LEDGER_PROJECTIONS=thread)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'projector-thread-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts every projection and stops when asked, without reporting an unexpected end', async () => {
    const ends: string[] = [];
    const thread = startProjectorThread(loadConfig({ LEDGER_DATA_DIR: dir }), { onUnexpectedEnd: (why) => ends.push(why) });
    await thread.started;
    await thread.stop();
    await new Promise((r) => setTimeout(r, 50));
    expect(ends).toEqual([]);
  }, 30_000);

  it('reports each position its projections apply, so that the service can wake its waiting reads', async () => {
    const config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_LOG_LEVEL: 'silent' });
    const store = await createEventStore(config);
    await store.append('agency-T01', [{ eventId: randomUUID(), type: 'Happened', data: {}, metadata: { $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'test', occurredAt: '2025-06-30T16:00:00.000Z' } }], 'any');
    const applied = new Map<string, bigint>();
    const thread = startProjectorThread(config, { onApplied: (projection, position) => applied.set(projection, position) });
    await thread.started;
    const deadline = Date.now() + 15_000;
    while (!applied.has('query_logs') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await thread.stop();
    await store.close();
    expect(applied.get('query_logs')).toBe(1n);
    expect(applied.get('roster')).toBe(1n);
  }, 30_000);

  it('with `only`, runs that one projection and no other (import-log has the query-logs read model projected beside it)', async () => {
    const config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_LOG_LEVEL: 'silent' });
    const store = await createEventStore(config);
    await store.append('agency-T01', [{ eventId: randomUUID(), type: 'Happened', data: {}, metadata: { $correlationId: randomUUID(), $causationId: randomUUID(), commandId: randomUUID(), actor: 'test', occurredAt: '2025-06-30T16:00:00.000Z' } }], 'any');
    const applied = new Map<string, bigint>();
    const thread = startProjectorThread(config, { only: { projection: 'query_logs', pageSize: 16 }, resourceLimits: { maxYoungGenerationSizeMb: 16 }, onApplied: (projection, position) => applied.set(projection, position) });
    await thread.started;
    const deadline = Date.now() + 15_000;
    while (!applied.has('query_logs') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // Time for any other projection to have applied the event too, had it been started.
    await new Promise((r) => setTimeout(r, 300));
    await thread.stop();
    await store.close();
    expect([...applied.keys()]).toEqual(['query_logs']);
    expect(applied.get('query_logs')).toBe(1n);
  }, 30_000);

  it('with `logToStderr`, its log lines go to stderr and none to stdout', () => {
    // In a process of its own, so that its stdout and stderr can be read apart.
    const script = `
      require('@swc-node/register');
      const { loadConfig } = require(${JSON.stringify(join(__dirname, 'config'))});
      const { startProjectorThread } = require(${JSON.stringify(join(__dirname, 'projector-thread'))});
      const thread = startProjectorThread(loadConfig({ LEDGER_DATA_DIR: ${JSON.stringify(dir)}, LEDGER_LOG_LEVEL: 'info' }), { only: { projection: 'query_logs' }, logToStderr: true });
      thread.started.then(() => thread.stop()).then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
    `;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/"context":"Projection query_logs"/);
  }, 60_000);

  it('a thread that cannot open its stores rejects `started` with the reason and reports its end', async () => {
    // A file where the data directory should be: no store can be created under it.
    const notADir = join(dir, 'plain-file');
    writeFileSync(notADir, '');
    const ends: string[] = [];
    const thread = startProjectorThread(loadConfig({ LEDGER_DATA_DIR: notADir }), { onUnexpectedEnd: (why) => ends.push(why) });
    await expect(thread.started).rejects.toThrow(/^the projector thread could not start: .*(ENOTDIR|EEXIST)/);
    // The thread's exit follows its failure report; on a loaded machine (the full suite, two workers)
    // it took longer than the 200 ms this waited before: wait for it (bounded), then see it said once.
    for (const deadline = Date.now() + 10_000; ends.length === 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(ends).toHaveLength(1);
  }, 30_000);
});
