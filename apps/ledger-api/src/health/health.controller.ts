import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { EventStore } from '@ledger/event-store';
import { Public } from '../auth/auth.guard';
import { EVENT_STORE } from '../infrastructure/event-store.provider';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Which store is in use and whether it answers' })
  async health(@Res({ passthrough: true }) res: Response) {
    const eventStore = await this.store.health();
    res.status(eventStore.ok ? 200 : 503);
    return { status: eventStore.ok ? 'ok' : 'unavailable', eventStore };
  }
}
