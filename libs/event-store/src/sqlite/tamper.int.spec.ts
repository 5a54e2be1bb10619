import Database from 'better-sqlite3';
import { generateSignerKey, verifierOf, type SignerKey } from '@ledger/integrity';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { announceSigningKey, issueCheckpoint } from '../checkpoints';
import { computeEventHash, GENESIS_HASH } from '../integrity';
import { newEvent } from '../testing';
import type { EventMetadata } from '../types';
import { verifyLedger, type IntegrityFailure, type VerificationReport } from '../verifier';
import { SqliteEventStore } from './sqlite-event-store';

/**
 * The ten attacks of issue 9, each on a copy of one ledger file, each by someone with write access to
 * the file (triggers dropped, then re-created so that no trace is left there), each checked by a
 * verifier holding only the public key and a checkpoint taken before the attack.
 */
const START = Date.parse('2025-07-01T00:00:00.000Z');
let tick = 0;
const clock = () => new Date(START + 1000 * tick++);

let dir: string;
let original: string;
let signer: SignerKey;
let checkpointBefore: string;
let lastRecordedAt: number;

const AGENCIES = ['agency-A001', 'agency-A002', 'agency-A003'];
const ACCOUNTS = Array.from({ length: 12 }, (_, i) => `account-A00${i % 3 + 1}.U${i}`);
const QUERIES = Array.from({ length: 30 }, (_, i) => `query-Q${i}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-tamper-'));
  original = join(dir, 'events.db');
  signer = generateSignerKey('webir-ledger.test');
  const store = new SqliteEventStore({ file: original, now: clock });
  await announceSigningKey(store, signer, clock());
  for (const a of AGENCIES) await store.append(a, [newEvent('AgencyRegistered', { agencyCode: a.slice(7) })], 'no_stream');
  for (const a of ACCOUNTS) await store.append(a, [newEvent('AccountCreated', { accountId: a.slice(8), role: 'USER' })], 'no_stream');
  // ≈ 600 events in interleaved streams, with a checkpoint every 100, as the service would issue them.
  for (let round = 0; round < 18; round++) {
    await Promise.all(
      QUERIES.map((q, i) =>
        store.append(q, [newEvent('QueryRegistered', { caseNumber: `CASE-${round}-${i}`, purpose: 'eligibility review' })], round === 0 ? 'no_stream' : round - 1),
      ),
    );
    if (round % 3 === 2) await issueCheckpoint(store, signer, { reason: 'events', now: clock() });
  }
  for (const a of ACCOUNTS.slice(0, 4)) await store.append(a, [newEvent('AccountDisabled', { reason: 'left the unit' })], 0);
  // The checkpoint an auditor (or witness) took, kept outside the store.
  checkpointBefore = (await issueCheckpoint(store, signer, { reason: 'on-demand', now: clock() })).note;
  lastRecordedAt = START + 1000 * tick;
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let copy: string;
let caseNo = 0;
beforeEach(() => {
  copy = join(dir, `attack-${caseNo++}.db`);
  copyFileSync(original, copy);
});

/** The attacker: drops the append-only triggers, edits, then re-creates them to hide the edit. */
function attack(edit: (db: Database.Database) => void): void {
  const db = new Database(copy);
  try {
    db.exec('DROP TRIGGER events_refuse_update; DROP TRIGGER events_refuse_delete;');
    edit(db);
    db.exec(`CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: UPDATE refused'); END;
      CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: DELETE refused'); END;`);
  } finally {
    db.close();
  }
}

/** An hour later, with the pinned public key and the checkpoint taken before the attack. */
async function verify(file = copy): Promise<VerificationReport> {
  const store = new SqliteEventStore({ file, readonly: true });
  try {
    return await verifyLedger(store, {
      densePositions: true,
      trustedKeys: [verifierOf(signer)],
      externalCheckpoints: [checkpointBefore],
      maxUncoveredAgeMs: 120_000,
      now: new Date(lastRecordedAt + 3_600_000),
    });
  } finally {
    await store.close();
  }
}

interface Row {
  position: number;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  hash: string;
}
const row = (db: Database.Database, streamId: string, revision: number) =>
  db.prepare('SELECT * FROM events WHERE stream_id = ? AND revision = ?').get(streamId, revision) as Row;
const reasons = (r: VerificationReport) => [...new Set(r.failures.map((f) => f.reason))].sort();
const at = (r: VerificationReport, where: Partial<IntegrityFailure>) => r.failures.filter((f) => Object.entries(where).every(([k, v]) => (f as unknown as Record<string, unknown>)[k] === v));

describe('tamper evidence of the embedded store: the ten attacks', () => {
  it('the untouched ledger verifies intact against the checkpoint, with every logged checkpoint good', async () => {
    const report = await verify(original);
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ intact: true, keysPinned: true, uncoveredEvents: 1 });
    expect(report.checkpoints.map((c) => c.source)).toEqual(['external', ...Array(7).fill('ledger')]);
    expect(report.checkpoints.every((c) => c.ok)).toBe(true);
  });

  it('the database itself refuses UPDATE and DELETE of events', () => {
    const db = new Database(copy);
    try {
      expect(() => db.exec(`UPDATE events SET data = '{}' WHERE position = 5`)).toThrow(/append-only: UPDATE refused/);
      expect(() => db.exec(`DELETE FROM events WHERE position = 5`)).toThrow(/append-only: DELETE refused/);
    } finally {
      db.close();
    }
  });

  it('1. changed data: HASH_MISMATCH at its stream and revision, and the signed root no longer matches', async () => {
    const target = row(new Database(original, { readonly: true }), 'query-Q7', 4);
    attack((db) => db.prepare(`UPDATE events SET data = json_set(data, '$.caseNumber', 'CASE-FORGED') WHERE stream_id = 'query-Q7' AND revision = 4`).run());
    const report = await verify();
    expect(report.intact).toBe(false);
    expect(at(report, { reason: 'HASH_MISMATCH' })).toEqual([expect.objectContaining({ streamId: 'query-Q7', revision: 4, position: String(target.position) })]);
    expect(reasons(report)).toContain('CHECKPOINT_NOT_EXTENDED');
  });

  it('2. deleted middle event: the gap by position, the broken link at the stream\'s next revision', async () => {
    const target = row(new Database(original, { readonly: true }), 'query-Q3', 2);
    attack((db) => db.prepare(`DELETE FROM events WHERE stream_id = 'query-Q3' AND revision = 2`).run());
    const report = await verify();
    expect(at(report, { reason: 'POSITION_GAP' })).toEqual([expect.objectContaining({ position: String(target.position) })]);
    expect(at(report, { streamId: 'query-Q3', revision: 3 }).map((f) => f.reason).sort()).toEqual(['PREV_HASH_MISMATCH', 'REVISION_GAP']);
    expect(reasons(report)).toContain('CHECKPOINT_NOT_EXTENDED');
  });

  it('3. swapped events in a stream: reported at both revisions', async () => {
    attack((db) =>
      db.exec(`UPDATE events SET revision = 1000 WHERE stream_id = 'query-Q9' AND revision = 1;
        UPDATE events SET revision = 1 WHERE stream_id = 'query-Q9' AND revision = 2;
        UPDATE events SET revision = 2 WHERE stream_id = 'query-Q9' AND revision = 1000;`),
    );
    const report = await verify();
    const named = new Set(report.failures.filter((f) => f.streamId === 'query-Q9').map((f) => `${f.revision}:${f.reason}`));
    expect([...named]).toEqual(expect.arrayContaining(['1:HASH_MISMATCH', '2:HASH_MISMATCH']));
    expect(reasons(report)).toContain('CHECKPOINT_NOT_EXTENDED');
  });

  it('4. truncated stream tail (its last event removed from the middle of the log): the gap by position, the tree by checkpoint', async () => {
    const target = row(new Database(original, { readonly: true }), 'account-A001.U0', 1); // the AccountDisabled
    attack((db) => db.prepare(`DELETE FROM events WHERE position = ?`).run(target.position));
    const report = await verify();
    expect(at(report, { reason: 'POSITION_GAP' })).toEqual([expect.objectContaining({ position: String(target.position) })]);
    expect(at(report, { streamId: 'account-A001.U0' })).toEqual([]); // the chain alone cannot see it…
    expect(reasons(report)).toContain('CHECKPOINT_NOT_EXTENDED'); // …the checkpoint can
  });

  it('5. consistently rewritten stream (every hash and link recomputed): the log no longer extends the signed checkpoints', async () => {
    let firstPosition = 0;
    attack((db) => {
      const rows = db.prepare(`SELECT * FROM events WHERE stream_id = 'query-Q11' ORDER BY revision`).all() as Row[];
      firstPosition = rows[0].position;
      let prevHash = GENESIS_HASH;
      for (const r of rows) {
        const data = { ...JSON.parse(r.data), purpose: 'rewritten' };
        const { hash: _old, ...meta } = JSON.parse(r.metadata) as EventMetadata;
        const metadata = { ...meta, prevHash };
        const hash = computeEventHash({ streamId: r.stream_id, revision: r.revision, type: r.type, data, metadata });
        db.prepare('UPDATE events SET data = ?, metadata = ?, hash = ? WHERE position = ?').run(JSON.stringify(data), JSON.stringify({ ...metadata, hash }), hash, r.position);
        prevHash = hash;
      }
    });
    const report = await verify();
    expect(report.failures.filter((f) => ['HASH_MISMATCH', 'PREV_HASH_MISMATCH'].includes(f.reason))).toEqual([]);
    expect(reasons(report)).toContain('CHECKPOINT_NOT_EXTENDED');
    const divergence = report.failures.find((f) => /diverges/.test(f.detail))!;
    expect(Number(divergence.position)).toBeLessThanOrEqual(firstPosition);
    expect(Number(divergence.position)).toBeGreaterThan(firstPosition - 100); // a checkpoint every 100 events
  });

  it('6. deleted tail of the whole log: LOG_TRUNCATED names the missing positions', async () => {
    let size = 0;
    attack((db) => {
      size = db.prepare('SELECT max(position) FROM events').pluck().get() as number;
      db.prepare('DELETE FROM events WHERE position > ?').run(size - 6);
    });
    const report = await verify();
    expect(report.intact).toBe(false);
    const truncated = at(report, { reason: 'LOG_TRUNCATED' });
    expect(truncated.length).toBeGreaterThanOrEqual(1);
    expect(truncated.some((f) => f.detail.includes(`the log has ${size - 6}`))).toBe(true);
  });

  it('7. forged event appended at the end (a working admin key): covered by no signed checkpoint, named by stream and revision', async () => {
    let position = 0;
    attack((db) => {
      const head = row(db, 'agency-A001', 0);
      const forged = newEvent('ApiKeyIssued', { keyId: 'k-forged', roles: ['admin'] });
      const metadata = { ...forged.metadata, recordedAt: new Date(lastRecordedAt + 1000).toISOString(), schemaVersion: 1, prevHash: head.hash };
      const hash = computeEventHash({ streamId: 'agency-A001', revision: 1, type: forged.type, data: forged.data, metadata });
      const info = db
        .prepare('INSERT INTO events (stream_id, revision, event_id, type, data, metadata, hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run('agency-A001', 1, forged.eventId, forged.type, JSON.stringify(forged.data), JSON.stringify({ ...metadata, hash }), hash);
      position = Number(info.lastInsertRowid);
    });
    const report = await verify();
    expect(report.failures).toEqual([expect.objectContaining({ reason: 'UNCOVERED_EVENTS', streamId: 'agency-A001', revision: 1, position: String(position) })]);
  });

  it('8. events of two streams reordered in the global order: the signed root names the range', async () => {
    const a = row(new Database(original, { readonly: true }), 'query-Q20', 10);
    attack((db) => {
      const b = db.prepare('SELECT * FROM events WHERE position = ?').get(a.position + 1) as Row;
      expect(b.stream_id).not.toBe(a.stream_id);
      db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(a.position);
      db.prepare('UPDATE events SET position = ? WHERE position = ?').run(a.position, b.position);
      db.prepare('UPDATE events SET position = ? WHERE position = -1').run(b.position);
    });
    const report = await verify();
    expect(report.failures.filter((f) => f.streamId?.startsWith('query-'))).toEqual([]); // both chains still link
    expect(reasons(report)).toContain('CHECKPOINT_NOT_EXTENDED');
    const divergence = report.failures.find((f) => /diverges/.test(f.detail))!;
    expect(Number(divergence.position)).toBeLessThanOrEqual(a.position);
  });

  it('9. positions renumbered to close the gap of a deleted stream tail: dense again, but shorter and another root', async () => {
    const target = row(new Database(original, { readonly: true }), 'account-A002.U1', 1);
    attack((db) => {
      db.prepare('DELETE FROM events WHERE position = ?').run(target.position);
      db.prepare('UPDATE events SET position = -position WHERE position > ?').run(target.position);
      db.prepare('UPDATE events SET position = -position - 1 WHERE position < 0').run();
    });
    const report = await verify();
    expect(report.failures.filter((f) => f.reason.startsWith('POSITION_'))).toEqual([]);
    expect(reasons(report)).toContain('CHECKPOINT_NOT_EXTENDED');
    const divergence = report.failures.find((f) => /diverges/.test(f.detail))!;
    expect(Number(divergence.position)).toBeLessThanOrEqual(target.position);
  });

  it('10. stored hash column edited: the tree\'s leaf differs from the event, named by stream and revision', async () => {
    const target = row(new Database(original, { readonly: true }), 'query-Q5', 6);
    attack((db) => db.prepare(`UPDATE events SET hash = ? WHERE position = ?`).run('f'.repeat(64), target.position));
    const report = await verify();
    expect(report.failures).toEqual([expect.objectContaining({ reason: 'TREE_LEAF_MISMATCH', streamId: 'query-Q5', revision: 6, position: String(target.position) })]);
  });

  it('a dropped trigger is itself a finding, and verifying does not put it back', async () => {
    const db = new Database(copy);
    db.exec('DROP TRIGGER events_refuse_delete');
    db.close();
    for (let i = 0; i < 2; i++) {
      const report = await verify();
      expect(report.failures).toEqual([expect.objectContaining({ reason: 'APPEND_ONLY_GUARD_MISSING', detail: 'trigger events_refuse_delete is missing' })]);
    }
  });

  it('a checkpoint signed by another key is not trusted, nor one whose note was edited', async () => {
    const intruder = generateSignerKey('webir-ledger.test');
    const store = new SqliteEventStore({ file: copy, readonly: true });
    try {
      const forged = checkpointBefore.replace(/\n\n[\s\S]*$/, '\n').replace(/^([^\n]+\n)(\d+)/, (_, o: string, n: string) => `${o}${Number(n) + 1}`);
      const { signNote } = await import('@ledger/integrity');
      const report = await verifyLedger(store, { densePositions: true, trustedKeys: [verifierOf(signer)], externalCheckpoints: [signNote(forged, [intruder])] });
      expect(report.failures).toEqual([expect.objectContaining({ reason: 'CHECKPOINT_INVALID' })]);
    } finally {
      await store.close();
    }
  });
});

describe('embedded store across a restart', () => {
  it('keeps events and resumes a subscription after the position it kept, after reopening the file', async () => {
    const event = (n: number) => newEvent('QueryRegistered', { n });
    const file = join(dir, 'restart.db');
    let store = new SqliteEventStore({ file });
    await store.append('agency-R1', [event(0), event(1)], 'no_stream');
    const first: number[] = [];
    const sub = store.subscribeToAll({ handler: (e) => void first.push(e.data.n as number) });
    await sub.caughtUp();
    await sub.stop();
    const kept = sub.lastPosition;
    await store.close();

    store = new SqliteEventStore({ file });
    await store.append('agency-R1', [event(2)], 1);
    const second: number[] = [];
    const sub2 = store.subscribeToAll({ after: kept, handler: (e) => void second.push(e.data.n as number) });
    await sub2.caughtUp();
    await sub2.stop();
    await store.close();
    expect(first).toEqual([0, 1]);
    expect(second).toEqual([2]);
  });
});
