/**
 * One service-like process for the lease test: a projection runner with a lease over the shared
 * embedded files. Prints one JSON status line per tick so the test can watch it, and is killed
 * with SIGKILL mid-projection (no clean release) to prove another process takes over.
 *
 *   node -r @swc-node/register lease-worker.ts <dir> <holder> <ttlMs> <msPerEvent>
 */
import { join } from 'node:path';
import { SqliteEventStore } from '@ledger/event-store';
import { ProjectionRunner } from '../projection-runner';
import { SqliteReadModelStore } from '../sqlite/sqlite-read-model-store';
import { upsert } from '../types';
import type { Projection } from '../projection';

const [dir, holder, ttl, msPerEvent] = process.argv.slice(2);
const events = new SqliteEventStore({ file: join(dir, 'events.db'), synchronous: 'OFF' });
const readModels = new SqliteReadModelStore({ file: join(dir, 'read-models.db') });

/** Counts events per stream (a merge, so any event applied twice would show), slowly: the kill lands mid-projection. */
const slowCounts: Projection = {
  name: 'slow-counts',
  collections: ['counts'],
  handles: () => true,
  async project(event, read) {
    await new Promise((resolve) => setTimeout(resolve, Number(msPerEvent)));
    const current = await read.get<{ n: number; by: string[] }>('counts', event.streamId);
    const by = current?.by.includes(holder) ? current.by : [...(current?.by ?? []), holder];
    return [upsert('counts', event.streamId, { n: (current?.n ?? 0) + 1, by })];
  },
};

const runner = new ProjectionRunner({
  projection: slowCounts,
  eventStore: events,
  readModels,
  pageSize: 10,
  lease: { holder, ttlMs: Number(ttl) },
  logger: { log: () => undefined, error: () => undefined },
});

void runner.start();
const report = async () => {
  const status = await runner.status();
  process.stdout.write(`${JSON.stringify({ holder, state: status.state, position: status.position, leaseHeld: status.leaseHeld })}\n`);
};
setInterval(() => void report(), 50);
process.on('SIGTERM', () => void runner.stop().then(() => process.exit(0)));
