import type { Response } from 'supertest';
import { CHECKPOINT_STREAM, SIGNING_KEY_STREAM, type EventStore, type RecordedEvent } from '@ledger/event-store';
import { EVENT_STORE } from '../../apps/ledger-api/src/infrastructure/event-store.provider';
import type { startTestApp } from './app';

type TestApp = Awaited<ReturnType<typeof startTestApp>>;

export async function allEvents(t: TestApp): Promise<RecordedEvent[]> {
  const store = t.app.get<EventStore>(EVENT_STORE);
  const out: RecordedEvent[] = [];
  for (let after: bigint | undefined; ; ) {
    const page = await store.readAll({ after, maxCount: 1000 });
    out.push(...page);
    if (page.length < 1000) return out;
    after = page[page.length - 1].position;
  }
}

/** Appended by the checkpoint timer (a checkpoint, and with the first one the signing key's activation), never by a request. */
export const isTimedIntegrityRecord = (e: RecordedEvent) => e.streamId === CHECKPOINT_STREAM || e.streamId === SIGNING_KEY_STREAM;

/** Events split into the security stream(s), personal-data reads, and everything else; timed integrity records are left out. */
export async function counts(t: TestApp) {
  const events = (await allEvents(t)).filter((e) => !isTimedIntegrityRecord(e));
  const security = events.filter((e) => e.streamId.startsWith('security-')).length;
  const reads = events.filter((e) => e.streamId.startsWith('pdaccess-')).length;
  return { ledger: events.length - security - reads, security, reads };
}

/** Runs a request and checks it appended exactly the given security and personal-data-read records, nothing else. */
export async function appendsOnly(t: TestApp, request: () => PromiseLike<Response>, expected: { ledger?: number; security?: number; reads?: number } = {}): Promise<Response> {
  const before = await counts(t);
  const seen = (await allEvents(t)).length;
  const res = await request();
  const after = await counts(t);
  const want = { ledger: before.ledger + (expected.ledger ?? 0), security: before.security + (expected.security ?? 0), reads: before.reads + (expected.reads ?? 0) };
  // On a mismatch, name what was appended, so a failure says which stream grew.
  const appended = JSON.stringify(after) === JSON.stringify(want) ? [] : (await allEvents(t)).slice(seen).map((e) => `${e.streamId} ${e.type}`);
  expect({ ...after, appended }).toEqual({ ...want, appended: expect.any(Array) });
  return res;
}
