import { Controller, Get, HttpCode, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiServiceUnavailableResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Response } from 'express';
import type { EventStore, StoreHealth } from '@ledger/event-store';
import { needsOperator, type ProjectionRunner, type ReadModelHealth, type ReadModelStore } from '@ledger/read-models';
import { Public, Roles } from '../auth/auth.guard';
import { EVENT_STORE, PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { HealthDetails } from './health-details';
import { readiness } from './readiness';

/** A probe must answer within a load balancer's patience; a store slower than this counts as down. */
export const STORE_PROBE_TIMEOUT_MS = 2_000;

function within<T>(promise: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const LIVE_EXAMPLE = { status: 'ok', info: { process: { status: 'up' } }, error: {}, details: { process: { status: 'up' } } };
const READY_EXAMPLE = {
  status: 'ok',
  info: { eventStore: { status: 'up' }, readModelStore: { status: 'up' }, projections: { status: 'up' } },
  error: {},
  details: { eventStore: { status: 'up' }, readModelStore: { status: 'up' }, projections: { status: 'up' } },
};
const NOT_READY_EXAMPLE = {
  status: 'error',
  info: { eventStore: { status: 'up' }, readModelStore: { status: 'up' } },
  error: { projections: { status: 'down', notReady: { roster: 'catching-up' } } },
  details: { eventStore: { status: 'up' }, readModelStore: { status: 'up' }, projections: { status: 'down', notReady: { roster: 'catching-up' } } },
};

/**
 * Public probes answer only up/down (no paths, positions or counts: issue 7 finding 10); the
 * detailed view needs a key. Liveness never looks at the stores: a store outage must make the
 * instance unready, not get it restarted.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly details: HealthDetails,
  ) {}

  @Get()
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness (same as /health/live): the process answers HTTP' })
  @ApiOkResponse({ description: 'The process is alive', schema: { example: LIVE_EXAMPLE } })
  root() {
    return this.live();
  }

  @Get('live')
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({ summary: 'Liveness: the process answers HTTP (restart it when this fails)' })
  @ApiOkResponse({ description: 'The process is alive', schema: { example: LIVE_EXAMPLE } })
  live() {
    return this.health.check([() => this.indicator.check('process').up()]);
  }

  @Get('ready')
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary: 'Readiness: both stores answer and every projection follows the log live (not catching up, rebuilding, stopped or failed)',
  })
  @ApiOkResponse({ description: 'Ready to take traffic', schema: { example: READY_EXAMPLE } })
  @ApiServiceUnavailableResponse({ description: 'Not ready; says which part and why, without paths or positions', schema: { example: NOT_READY_EXAMPLE } })
  async ready(@Res({ passthrough: true }) res: Response) {
    const [eventStore, readModelStore, projections] = await this.probe();
    const r = readiness(eventStore, readModelStore, projections);
    const up = (key: string, ok: boolean, down: Record<string, unknown> = {}) =>
      ok ? this.indicator.check(key).up() : this.indicator.check(key).down(down);
    try {
      return await this.health.check([
        () => up('eventStore', r.eventStore.ready, { reason: 'unreachable' }),
        () => up('readModelStore', r.readModelStore.ready, { reason: 'unreachable' }),
        () => up('projections', r.projections.ready, { notReady: r.projections.notReady }),
      ]);
    } catch (error) {
      // Terminus answers 503 by throwing; its body is the answer, kept out of the problem filter.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      res.status(503);
      return error.getResponse();
    }
  }

  @Get('details')
  @Roles('auditor')
  @HttpCode(200)
  @ApiSecurity('api-key')
  @ApiOperation({ summary: 'Detailed view (admin, auditor): stores in use, each projection’s state, position and lag, and sections other modules add' })
  @ApiOkResponse({
    description: 'Always 200; `status` and `ready` say whether everything answers',
    schema: {
      example: {
        status: 'ok',
        ready: true,
        eventStore: { store: 'embedded-sqlite', ok: true, detail: '/srv/ledger/data/events.db' },
        readModelStore: { store: 'embedded-sqlite', ok: true, detail: '/srv/ledger/data/read-models.db' },
        projections: [
          { name: 'roster', state: 'running', position: '1204', headPosition: '1204', lag: 0, catchingUp: false },
          { name: 'obligations', state: 'running', position: '1203', headPosition: '1204', lag: 1, catchingUp: false },
        ],
      },
    },
  })
  @ApiUnauthorizedResponse({ description: 'No or unknown API key' })
  async detailed() {
    const [[eventStore, readModelStore, projections], sections] = await Promise.all([this.probe(), this.details.collect()]);
    const r = readiness(eventStore, readModelStore, projections);
    const ok = eventStore.ok && readModelStore.ok && projections.every((p) => !needsOperator(p));
    return { ...sections, status: ok ? 'ok' : 'unavailable', ready: r.ready, eventStore, readModelStore, projections };
  }

  private probe() {
    const down = (store: string) => (error: unknown) => ({ store, ok: false, detail: error instanceof Error ? error.message : String(error) });
    const slow = (store: string) => () => ({ store, ok: false, detail: `no answer within ${STORE_PROBE_TIMEOUT_MS} ms` });
    return Promise.all([
      within(this.store.health().catch(down(this.store.kind)), STORE_PROBE_TIMEOUT_MS, slow(this.store.kind)) as Promise<StoreHealth>,
      within(this.readModels.health().catch(down(this.readModels.kind)), STORE_PROBE_TIMEOUT_MS, slow(this.readModels.kind)) as Promise<ReadModelHealth>,
      Promise.all(this.runners.map((runner) => runner.status())),
    ]);
  }
}
