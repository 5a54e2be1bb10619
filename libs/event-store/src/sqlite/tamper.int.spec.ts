import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newEvent } from '../testing';
import { verifyLedger } from '../verifier';
import { SqliteEventStore } from './sqlite-event-store';

const event = (n: number) => newEvent('QueryRegistered', { n, caseNumber: `CASE-${n}` }, '2025-07-01T00:00:00.000Z');

/** Each case writes a fresh ledger, closes it, then edits the file as an attacker with file access would. */
describe('tamper evidence of the embedded store', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-tamper-'));
    file = join(dir, 'events.db');
    const store = new SqliteEventStore({ file });
    await store.append('agency-A001', [event(0), event(1), event(2), event(3)], 'no_stream');
    await store.append('account-X1', [event(10), event(11)], 'no_stream');
    await store.append('agency-A001', [event(4)], 3);
    await store.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const attack = (sql: string) => {
    const db = new Database(file);
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };
  const verify = async () => {
    const store = new SqliteEventStore({ file });
    try {
      return await verifyLedger(store, { densePositions: true });
    } finally {
      await store.close();
    }
  };

  it('an untouched ledger verifies intact', async () => {
    const report = await verify();
    expect(report).toMatchObject({ intact: true, eventsChecked: 7, streamsChecked: 2, failures: [] });
  });

  it('the database itself refuses UPDATE and DELETE of events', () => {
    expect(() => attack(`UPDATE events SET data = '{}' WHERE revision = 1`)).toThrow(/append-only: UPDATE refused/);
    expect(() => attack(`DELETE FROM events WHERE revision = 1`)).toThrow(/append-only: DELETE refused/);
  });

  it('changing one event\'s data is reported with its stream and revision', async () => {
    attack(`DROP TRIGGER events_refuse_update;
      UPDATE events SET data = json_set(data, '$.caseNumber', 'CASE-FORGED') WHERE stream_id = 'agency-A001' AND revision = 2;`);
    const report = await verify();
    expect(report.intact).toBe(false);
    expect(report.failures).toEqual([
      expect.objectContaining({ streamId: 'agency-A001', revision: 2, reason: 'HASH_MISMATCH' }),
    ]);
  });

  it('deleting an event in the middle of a stream is reported', async () => {
    attack(`DROP TRIGGER events_refuse_delete;
      DELETE FROM events WHERE stream_id = 'agency-A001' AND revision = 1;`);
    const report = await verify();
    expect(report.intact).toBe(false);
    const at = report.failures.filter((f) => f.streamId === 'agency-A001' && f.revision === 2).map((f) => f.reason);
    expect(at).toEqual(expect.arrayContaining(['POSITION_GAP', 'REVISION_GAP', 'PREV_HASH_MISMATCH']));
    expect(report.failures.every((f) => f.streamId === 'agency-A001' && f.revision === 2)).toBe(true);
  });

  it('swapping two events\' order is reported at both revisions', async () => {
    attack(`DROP TRIGGER events_refuse_update;
      UPDATE events SET revision = 1000 WHERE stream_id = 'agency-A001' AND revision = 1;
      UPDATE events SET revision = 1 WHERE stream_id = 'agency-A001' AND revision = 2;
      UPDATE events SET revision = 2 WHERE stream_id = 'agency-A001' AND revision = 1000;`);
    const report = await verify();
    expect(report.intact).toBe(false);
    const revisions = new Set(report.failures.map((f) => `${f.streamId}@${f.revision}`));
    expect(revisions).toEqual(new Set(['agency-A001@1', 'agency-A001@2']));
    expect(report.failures.some((f) => f.reason === 'HASH_MISMATCH')).toBe(true);
  });

  it('a rewritten event with a recomputed hash still breaks the next link', async () => {
    // An attacker who recomputes the forged event's own hash cannot also fix its successor's prevHash
    // without rewriting the rest of the stream — and every rewrite moves the stream head hash.
    const store = new SqliteEventStore({ file });
    const [original] = await store.readStream('agency-A001', { fromRevision: 1, maxCount: 1 });
    await store.close();
    const { computeEventHash } = await import('../integrity');
    const forgedData = { ...original.data, caseNumber: 'CASE-FORGED' };
    const forgedHash = computeEventHash({ ...original, data: forgedData });
    const metadata = JSON.stringify({ ...original.metadata, hash: forgedHash });
    attack(`DROP TRIGGER events_refuse_update;
      UPDATE events SET data = '${JSON.stringify(forgedData)}', metadata = '${metadata}', hash = '${forgedHash}'
      WHERE stream_id = 'agency-A001' AND revision = 1;`);
    const report = await verify();
    expect(report.failures).toEqual([
      expect.objectContaining({ streamId: 'agency-A001', revision: 2, reason: 'PREV_HASH_MISMATCH' }),
    ]);
  });
});

describe('embedded store across a restart', () => {
  it('keeps events and resumes a subscription from its stored checkpoint after reopening the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-restart-'));
    const file = join(dir, 'events.db');
    try {
      let store = new SqliteEventStore({ file });
      await store.append('agency-R1', [event(0), event(1)], 'no_stream');
      const first: number[] = [];
      const sub = store.subscribeToAll({ checkpointName: 'restart', handler: (e) => void first.push(e.data.n as number) });
      await sub.caughtUp();
      await sub.stop();
      await store.close();

      store = new SqliteEventStore({ file });
      await store.append('agency-R1', [event(2)], 1);
      const second: number[] = [];
      const sub2 = store.subscribeToAll({ checkpointName: 'restart', handler: (e) => void second.push(e.data.n as number) });
      await sub2.caughtUp();
      await sub2.stop();
      await store.close();
      expect(first).toEqual([0, 1]);
      expect(second).toEqual([2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
