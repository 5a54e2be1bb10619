import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { EventStore } from '@ledger/event-store';
import { projectionsHealth, type ProjectionRunner, type ReadModelStore } from '@ledger/read-models';
import { Public } from '../auth/auth.guard';
import { EVENT_STORE, PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Which stores are in use, whether they answer, and each projection’s position and lag' })
  @ApiOkResponse({
    description: 'Everything answers',
    schema: {
      example: {
        status: 'ok',
        eventStore: { store: 'embedded-sqlite', ok: true, detail: '/srv/ledger/data/events.db' },
        readModelStore: { store: 'embedded-sqlite', ok: true, detail: '/srv/ledger/data/read-models.db' },
        projections: [
          { name: 'roster', state: 'running', position: '1204', headPosition: '1204', lag: 0 },
          { name: 'obligations', state: 'running', position: '1203', headPosition: '1204', lag: 1 },
        ],
      },
    },
  })
  @ApiServiceUnavailableResponse({ description: 'A store does not answer or a projection failed (same body, status "unavailable")' })
  async health(@Res({ passthrough: true }) res: Response) {
    const [eventStore, readModelStore, projections] = await Promise.all([
      this.store.health(),
      this.readModels.health(),
      projectionsHealth(this.runners),
    ]);
    const ok = eventStore.ok && readModelStore.ok && projections.ok;
    res.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'unavailable', eventStore, readModelStore, projections: projections.projections };
  }
}
