import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
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
