import type { EventStore } from '@ledger/event-store';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { EVENT_STORE, PROJECTION_RUNNERS, READ_MODELS } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { STORE_PROBE_TIMEOUT_MS } from '../apps/ledger-api/src/health/health.controller';
import { HealthDetails } from '../apps/ledger-api/src/health/health-details';
import { ADMIN_KEY, startTestApp } from './support/app';

describe('health: public liveness and readiness, authenticated details', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let runners: ProjectionRunner[];
  beforeAll(async () => {
    t = await startTestApp();
    runners = t.app.get(PROJECTION_RUNNERS);
    for (const r of runners) await r.caughtUp();
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  const noInternals = (body: unknown) => {
    const text = JSON.stringify(body);
    expect(text).not.toContain(t.dataDir);
    expect(text).not.toMatch(/position|lag|\.db\b/);
  };

  it.each(['/health', '/health/live'])('GET %s answers without a key and shows no paths or counts', async (path) => {
    const res = await t.http().get(path).expect(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { process: { status: 'up' } } });
    noInternals(res.body);
  });

  it('GET /health/ready: up when both stores answer and every projection follows the log live', async () => {
    const res = await t.http().get('/health/ready').expect(200);
    expect(res.body.info).toEqual({ eventStore: { status: 'up' }, readModelStore: { status: 'up' }, projections: { status: 'up' } });
    noInternals(res.body);
  });

  it('not ready (503) while a projection is stopped or catching up, naming it; liveness stays up', async () => {
    const roster = runners.find((r) => r.name === 'roster')!;
    await roster.stop();
    try {
      const res = await t.http().get('/health/ready').expect(503);
      expect(res.body).toMatchObject({ status: 'error', error: { projections: { status: 'down', notReady: { roster: 'stopped' } } } });
      noInternals(res.body);
      await t.http().get('/health/live').expect(200);
      const status = await roster.status();
      jest.spyOn(roster, 'status').mockResolvedValue({ ...status, state: 'running', catchingUp: true });
      const catching = await t.http().get('/health/ready').expect(503);
      expect(catching.body.error.projections.notReady).toEqual({ roster: 'catching-up' });
    } finally {
      jest.restoreAllMocks();
      await roster.start();
      await roster.caughtUp();
    }
    await t.http().get('/health/ready').expect(200);
  });

  it('not ready (503) when a projection failed or a store does not answer', async () => {
    const obligations = runners.find((r) => r.name === 'obligations')!;
    const status = await obligations.status();
    jest.spyOn(obligations, 'status').mockResolvedValue({ ...status, state: 'failed', error: 'handler bug' });
    jest.spyOn(t.app.get<EventStore>(EVENT_STORE), 'health').mockRejectedValue(new Error('connect ECONNREFUSED /secret/path'));
    jest.spyOn(t.app.get<ReadModelStore>(READ_MODELS), 'health').mockResolvedValue({ store: 'embedded-sqlite', ok: false, detail: '/secret/path' });
    const res = await t.http().get('/health/ready').expect(503);
    expect(res.body.error).toEqual({
      eventStore: { status: 'down', reason: 'unreachable' },
      readModelStore: { status: 'down', reason: 'unreachable' },
      projections: { status: 'down', notReady: { obligations: 'failed' } },
    });
    expect(JSON.stringify(res.body)).not.toContain('/secret/path');
    expect(JSON.stringify(res.body)).not.toContain('handler bug');
  });

  it('a store that does not answer in time makes readiness fail fast, not hang', async () => {
    jest.spyOn(t.app.get<EventStore>(EVENT_STORE), 'health').mockReturnValue(new Promise(() => undefined));
    const started = Date.now();
    const res = await t.http().get('/health/ready').expect(503);
    expect(Date.now() - started).toBeLessThan(STORE_PROBE_TIMEOUT_MS + 1_500);
    expect(res.body.error).toMatchObject({ eventStore: { status: 'down', reason: 'unreachable' } });
  });

  it('GET /health/details needs a key and then shows stores, projections and added sections', async () => {
    await t.http().get('/health/details').expect(401);
    t.app.get(HealthDetails).add('example', () => ({ answered: true }));
    t.app.get(HealthDetails).add('broken', () => {
      throw new Error('section failed');
    });
    const res = await t.http().get('/health/details').set('X-API-Key', ADMIN_KEY).expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      ready: true,
      eventStore: expect.objectContaining({ store: 'embedded-sqlite', ok: true }),
      readModelStore: expect.objectContaining({ store: 'embedded-sqlite', ok: true }),
      projections: expect.arrayContaining([
        expect.objectContaining({ name: 'roster', state: 'running', position: expect.any(String), lag: expect.any(Number), catchingUp: false }),
        expect.objectContaining({ name: 'obligations', state: 'running' }),
      ]),
      // The signed-checkpoint module adds its own section (latest checkpoint, witnesses).
      checkpoints: expect.objectContaining({ enabled: true, witnesses: expect.any(Array) }),
      example: { answered: true },
      broken: { error: 'section failed' },
    });
  });
});
