import { projectEvents, projectTwice, SqliteReadModelStore } from '@ledger/read-models';
import { recorded } from '../testing/recorded';
import { webirServiceProjection, webirServiceStatusAt, webirServiceStoppedAt, webirServiceStopPeriods } from './webir-service.projection';
import { webirServiceAt, webirServiceOf } from './webir-service.queries';

const s = 'webirservice-SWD001';
const events = () => [
  recorded(s, 'WebIRServiceSuspended', { agencyCode: 'SWD001', effectiveAt: '2025-08-31T16:00:00.000Z', reason: '屆期未完成改善', reference: null, inspectionId: 'BLI_1' }, '2025-08-25T02:00:00.000Z'),
  recorded(s, 'WebIRServiceReapplied', { agencyCode: 'SWD001', reappliedAt: '2025-09-15T02:00:00.000Z', improvements: 'i', evidence: 'e', reference: null }, '2025-09-15T02:00:00.000Z'),
  recorded(s, 'WebIRServiceResumed', { agencyCode: 'SWD001', effectiveAt: '2025-10-01T01:00:00.000Z', reference: null }, '2025-09-30T02:00:00.000Z'),
  recorded(s, 'WebIRServiceTerminated', { agencyCode: 'SWD001', effectiveAt: '2026-01-01T00:00:00.000Z', reason: '情節重大', reference: null, inspectionId: null }, '2025-12-20T02:00:00.000Z'),
];

describe('WebIR service read model (要點 十二(六)(七)): was agency X suspended at instant T', () => {
  it('要點 十二(六): the status at any instant, to the millisecond at each boundary, and the stopped periods', async () => {
    const store = new SqliteReadModelStore({ file: ':memory:' });
    await projectEvents(webirServiceProjection, store, events());
    const { transitions } = await webirServiceOf(store, 'SWD001');
    expect(webirServiceStatusAt(transitions, '2025-08-31T15:59:59.999Z').status).toBe('ACTIVE');
    expect(webirServiceStatusAt(transitions, '2025-08-31T16:00:00.000Z')).toMatchObject({ status: 'SUSPENDED', since: { type: 'WebIRServiceSuspended' } });
    expect(webirServiceStoppedAt(transitions, '2025-09-20T00:00:00.000Z')).toBe(true);
    expect(webirServiceStoppedAt(transitions, '2025-10-01T00:59:59.999Z')).toBe(true);
    expect(webirServiceStoppedAt(transitions, '2025-10-01T01:00:00.000Z')).toBe(false);
    expect(webirServiceStatusAt(transitions, '2026-02-01T00:00:00.000Z').status).toBe('TERMINATED');
    expect(webirServiceStopPeriods(transitions)).toEqual([
      { status: 'SUSPENDED', from: '2025-08-31T16:00:00.000Z', until: '2025-10-01T01:00:00.000Z' },
      { status: 'TERMINATED', from: '2026-01-01T00:00:00.000Z', until: null },
    ]);
    expect(await webirServiceAt(store, 'SWD001', '2025-09-01T00:00:00.000Z')).toMatchObject({ status: 'SUSPENDED' });
    expect(await webirServiceAt(store, 'DIST002', '2025-09-01T00:00:00.000Z')).toMatchObject({ status: 'ACTIVE', since: null, stopPeriods: [] });
    expect((await webirServiceOf(store, 'SWD001')).reappliedAt).toBe('2025-09-15T02:00:00.000Z');
    await store.close();
  });

  it('a suspension that ends in termination is one stop, then another', () => {
    const t = (status: 'SUSPENDED' | 'TERMINATED' | 'ACTIVE', effectiveAt: string) => ({ status, effectiveAt, eventId: effectiveAt, streamId: s, position: '1', type: 'x' });
    expect(webirServiceStopPeriods([t('SUSPENDED', '2025-01-01T00:00:00.000Z'), t('TERMINATED', '2025-02-01T00:00:00.000Z')])).toEqual([
      { status: 'SUSPENDED', from: '2025-01-01T00:00:00.000Z', until: '2025-02-01T00:00:00.000Z' },
      { status: 'TERMINATED', from: '2025-02-01T00:00:00.000Z', until: null },
    ]);
  });

  it('run twice: replaying every event changes nothing', async () => {
    const { once, twice } = await projectTwice(webirServiceProjection, events());
    expect(twice).toEqual(once);
  });
});
