import { projectEvents, SqliteReadModelStore, upsert } from '@ledger/read-models';
import { recorded, USER_ACCOUNT } from '../testing/recorded';
import { OBLIGATIONS, obligationsProjection, type ObligationDocument, type ObligationKind, type ObligationState } from './obligations.projection';
import { countByAgency, obligationCounts, obligationPages, obligationsAt, obligationsPage, type ObligationQuery } from './obligations.queries';

/**
 * The store-side reads (counts by GROUP BY, pages by an index range) must give exactly what the
 * in-memory reading (obligationAt over every document) gives, for every state and time.
 */
const DAY_END = (day: string) => `${day}T15:59:59.999Z`;
const grid = Array.from({ length: 40 }, (_, i) => new Date(Date.parse('2025-06-01T00:00:00.000Z') + i * 12 * 3600_000).toISOString());
const days = Array.from({ length: 20 }, (_, i) => new Date(Date.parse('2025-06-01T00:00:00.000Z') + i * 24 * 3600_000).toISOString().slice(0, 10));
const KINDS: ObligationKind[] = ['EXPLAIN_UNREGISTERED_QUERY', 'NOTIFY_BLI_OF_INCIDENT', 'ANNUAL_ACCESS_REVIEW'];

/** A deterministic spread of documents: every state, met before / on / after the due time, recorded late, both granularities, and older shapes. */
function syntheticDocuments(n: number): ObligationDocument[] {
  // mulberry32: an LCG's low bits repeat too soon and would leave combinations out.
  let seed = 7;
  const next = (m: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * m);
  };
  const docs: ObligationDocument[] = [];
  for (let i = 0; i < n; i++) {
    const kind = KINDS[next(KINDS.length)];
    const createdAt = grid[next(grid.length)];
    const instant = next(3) === 0;
    const dueDay = days[next(days.length)];
    const dueAt = instant ? grid[next(grid.length)] : DAY_END(dueDay);
    const metChoice = next(4);
    // Met before, exactly at, or after the due time, or never.
    const metAt = metChoice === 0 ? null : metChoice === 1 ? dueAt : grid[next(grid.length)];
    const lag = (t: string) => (next(3) === 0 ? new Date(Date.parse(t) + next(6) * 12 * 3600_000).toISOString() : t);
    const shape = next(6);
    const doc: ObligationDocument = {
      obligationId: `${kind}:syn${i}:${1000 + i}`,
      agencyCode: ['SWD001', 'DIT001', 'PGE'][next(3)],
      kind,
      rule: 'r',
      title: 't',
      subject: `syn${i}`,
      dueDate: instant ? dueAt.slice(0, 10) : dueDay,
      dueAt,
      dueGranularity: instant ? 'instant' : 'day',
      createdAt,
      createdKnownAt: lag(createdAt),
      createdBy: { eventId: 'e', streamId: 's', position: String(1000 + i), type: 'T' },
      metAt,
      metKnownAt: metAt === null ? null : lag(metAt),
      metBy: metAt === null ? null : { eventId: 'e', streamId: 's', position: String(2000 + i), type: 'T' },
      metLate: metAt !== null && metAt > dueAt,
    };
    const stored: Record<string, unknown> = { ...doc };
    // Older shapes: before dueGranularity; before metLate; before the ledger times were recorded.
    if (shape === 0) delete stored.dueGranularity;
    if (shape === 1) delete stored.metLate;
    if (shape === 2) {
      delete stored.createdKnownAt;
      delete stored.metKnownAt;
      delete stored.metLate;
      delete stored.dueGranularity;
    }
    docs.push(stored as unknown as ObligationDocument);
  }
  return docs;
}

const acc = `account-${USER_ACCOUNT}`;
const inc = 'incident-SWD001_INC_1';
const importId = `SWD001.${'c'.repeat(32)}`;
/** Obligations opened and met by real events through the projection: day and instant, in time and late, recorded late. */
const ledgerEvents = () => [
  recorded(acc, 'AccountPostChanged', { accountId: USER_ACCOUNT, effectiveDate: '2025-06-30', newPost: null, newUnit: null, successorAccountId: null, duty: { kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)', dueDate: '2025-06-30' } }, '2025-06-01T02:00:00.000Z'),
  recorded(acc, 'AccountQueryItemsRevoked', { accountId: USER_ACCOUNT, operationCodes: ['L01'], reason: 'moved', meetsDuty: 'ADJUST_OR_REMOVE_MOVED_USER' }, '2025-07-02T02:00:00.000Z'),
  recorded(inc, 'IncidentReported', { incidentId: 'SWD001_INC_1', agencyCode: 'SWD001', discoveredAt: '2025-06-30T15:30:00.000Z', suspected: true, summary: 's', registrationIds: [], obtainedDataRecordIds: [], duty: { kind: 'NOTIFY_BLI_OF_INCIDENT', rule: '要點 十二(十)', dueAt: '2025-06-30T16:30:00.000Z' } }, '2025-06-30T15:30:00.000Z'),
  recorded(inc, 'BliNotifiedOfIncident', { incidentId: 'SWD001_INC_1', agencyCode: 'SWD001', notifiedAt: '2025-06-30T16:10:00.000Z', channel: 'PHONE', reference: null, materialsProvided: null, onTime: true, meetsDuty: 'NOTIFY_BLI_OF_INCIDENT' }, '2025-06-30T16:10:00.000Z', '2025-07-01T05:00:00.000Z'),
  recorded(`querylog-${importId}`, 'UnregisteredQueriesFound', {
    importId, agencyCode: 'SWD001', period: '2025-06', chunk: 0, anomaly: 'UNREGISTERED_QUERY', window: { days: 1 },
    queries: [4, 9, 12].map((lineNo) => ({ lineNo, accountId: `SWD001.USER.${'a'.repeat(32)}`, operationCode: 'LI_ENROLMENT', loggedAt: '2025-06-05T02:00:00.000Z' })),
    duty: { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: '要點 九(一)', dueDate: '2025-06-20' },
  }, '2025-06-06T02:00:00.000Z', '2025-06-08T02:00:00.000Z'),
  ...[[4, '2025-06-10T02:00:00.000Z'], [9, '2025-06-25T02:00:00.000Z']].map(([lineNo, at]) =>
    recorded(`unregisteredquery-${importId}.${lineNo}`, 'UnregisteredQueryExplained', {
      importId, lineNo: lineNo as number, agencyCode: 'SWD001', resolution: 'EXPLANATION', explanation: '紙本登記表補附', registrationId: null, meetsDuty: 'EXPLAIN_UNREGISTERED_QUERY',
    }, at as string)),
];

// Typed rows as the embedded store keeps them, and JSON documents as MongoDB does (where a field is really missing).
describe.each([['typed rows', true], ['JSON documents', false]])('obligations read by the store (%s): the same answers as obligationAt over every document', (_form, typed) => {
  let store: SqliteReadModelStore;
  beforeAll(async () => {
    store = new SqliteReadModelStore({ file: ':memory:' });
    const projection = typed ? obligationsProjection() : { ...obligationsProjection(), tables: undefined };
    for (const [collection, indexes] of Object.entries(projection.indexes ?? {})) await store.declareIndexes(collection, indexes);
    await projectEvents(projection, store, ledgerEvents());
    const docs = syntheticDocuments(600);
    await store.applyBatch('synthetic', docs.map((d, i) => ({ position: 10_000n + BigInt(i), writes: [upsert(OBLIGATIONS.items, d.obligationId, d as unknown as Record<string, unknown>)] })));
  });
  afterAll(() => store.close());

  const times: [string, string | undefined][] = [
    ['2025-05-01T00:00:00.000Z', undefined],
    ['2025-06-20T15:59:59.999Z', undefined],
    ['2025-06-30T16:30:00.000Z', undefined],
    ['2025-06-30T16:20:00.000Z', '2025-06-30T23:00:00.000Z'],
    ['2025-07-01T00:00:00.000Z', undefined],
    [grid[17], grid[17]],
    [grid[25], grid[20]],
    [grid[30], grid[10]],
    ['2025-08-01T00:00:00.000Z', undefined],
    ['2025-08-01T00:00:00.000Z', '2025-06-08T02:00:00.000Z'],
    ['2025-08-01T00:00:00.000Z', grid[22]],
  ];
  const scopes: Partial<ObligationQuery>[] = [{}, { agencyCode: 'SWD001' }, { kind: 'EXPLAIN_UNREGISTERED_QUERY' }, { agencyCode: 'DIT001', kind: 'NOTIFY_BLI_OF_INCIDENT' }];
  const states: (ObligationState | undefined)[] = [undefined, 'open', 'overdue', 'met'];
  const queries = times.flatMap(([at, knownAt]) => scopes.flatMap((scope) => states.map((state) => ({ at, ...(knownAt && { knownAt }), ...scope, ...(state && { state }) }))));

  it('covers every state, met late, legacy shapes and the projection\'s own documents (else the comparison proves little)', async () => {
    expect(new Set((await obligationsAt(store, { at: grid[20] })).map((o) => o.state))).toEqual(new Set(['open', 'overdue', 'met']));
    const all = await obligationsAt(store, { at: '2025-08-01T00:00:00.000Z' });
    expect(all.some((o) => o.metLate)).toBe(true);
    expect(all.some((o) => o.dueGranularity == null)).toBe(true);
    expect(all.some((o) => o.createdKnownAt == null && o.metAt !== null)).toBe(true);
    expect(all.some((o) => o.dueGranularity === undefined)).toBe(!typed);
    const projected = all.filter((o) => o.agencyCode === 'SWD001' && !o.subject.startsWith('syn'));
    expect(projected.map((o) => [o.kind, o.state, o.metLate]).sort()).toEqual([
      ['ADJUST_OR_REMOVE_MOVED_USER', 'met', true],
      ['EXPLAIN_UNREGISTERED_QUERY', 'met', false],
      ['EXPLAIN_UNREGISTERED_QUERY', 'met', true],
      ['EXPLAIN_UNREGISTERED_QUERY', 'overdue', false],
      ['NOTIFY_BLI_OF_INCIDENT', 'met', false],
    ]);
    // The projection writes metLate with the fulfilment (version 2): what the counts group by.
    const stored = await store.find<ObligationDocument>(OBLIGATIONS.items, { agencyCode: 'SWD001', kind: 'ADJUST_OR_REMOVE_MOVED_USER' });
    expect(stored.map((d) => d.metLate)).toEqual([true]);
  });

  it(`counts (${queries.length} queries: times, knownAt, agency, kind, state) equal countByAgency over obligationAt`, async () => {
    let nonEmpty = 0;
    for (const query of queries) {
      const expected = countByAgency(await obligationsAt(store, query));
      if (Object.keys(expected).length > 0) nonEmpty++;
      expect({ query, counts: await obligationCounts(store, query) }).toEqual({ query, counts: expected });
    }
    expect(nonEmpty).toBeGreaterThan(queries.length / 2);
  });

  it('pages, walked by their cursor, list the same obligations in the same order as obligationAt sorted by (dueAt, obligationId)', async () => {
    for (const query of queries.filter((_, i) => i % 3 === 0)) {
      const expected = await obligationsAt(store, query);
      const walked = [];
      for await (const page of obligationPages(store, query, 7)) walked.push(...page);
      expect({ query, walked }).toEqual({ query, walked: expected });
      if (expected.length > 4) {
        // A cursor taken from the middle resumes right after it, as the old slice did.
        const key = (o: { dueAt: string; obligationId: string }) => `${o.dueAt}|${o.obligationId}`;
        const cut = expected[3];
        const page = await obligationsPage(store, query, { limit: 2, after: { dueAt: cut.dueAt, obligationId: cut.obligationId } });
        const old = expected.filter((o) => key(o) > key(cut));
        expect(page).toEqual({ obligations: old.slice(0, 2), more: old.length > 2 });
      }
    }
  });
});
