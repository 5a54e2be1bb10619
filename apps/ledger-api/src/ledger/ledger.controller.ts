import { BadRequestException, Controller, Get, Inject, Param, ParseIntPipe, Query, DefaultValuePipe } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { EventStore, isValidStreamId, RecordedEvent, verifyLedger } from '@ledger/event-store';
import { Roles } from '../auth/auth.guard';
import { EVENT_STORE } from '../infrastructure/event-store.provider';

const toJson = (e: RecordedEvent) => ({ ...e, position: e.position.toString() });

@ApiTags('ledger')
@ApiSecurity('api-key')
@Controller('ledger')
export class LedgerController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('streams/:streamId')
  @Roles('auditor', 'ethics')
  @ApiOperation({ summary: "A stream's events with metadata and hashes" })
  @ApiQuery({ name: 'fromRevision', required: false })
  @ApiQuery({ name: 'maxCount', required: false })
  @ApiQuery({ name: 'direction', required: false, enum: ['forwards', 'backwards'] })
  async stream(
    @Param('streamId') streamId: string,
    @Query('fromRevision', new DefaultValuePipe(undefined)) fromRevision?: string,
    @Query('maxCount', new DefaultValuePipe(1000), ParseIntPipe) maxCount = 1000,
    @Query('direction') direction: 'forwards' | 'backwards' = 'forwards',
  ) {
    if (!isValidStreamId(streamId)) {
      throw new BadRequestException({ code: 'INVALID_STREAM_ID', message: 'streamId must be category-id with exactly one dash', fields: [{ field: 'streamId', rule: 'streamId', message: 'category-id, one dash' }] });
    }
    if (!['forwards', 'backwards'].includes(direction)) {
      throw new BadRequestException({ code: 'VALIDATION_FAILED', message: 'direction must be forwards or backwards', fields: [{ field: 'direction', rule: 'isIn', message: 'forwards | backwards' }] });
    }
    const from = fromRevision === undefined ? undefined : Number(fromRevision);
    if (from !== undefined && (!Number.isInteger(from) || from < 0)) {
      throw new BadRequestException({ code: 'VALIDATION_FAILED', message: 'fromRevision must be a non-negative integer', fields: [{ field: 'fromRevision', rule: 'isInt', message: 'non-negative integer' }] });
    }
    const events = await this.store.readStream(streamId, { fromRevision: from, maxCount: Math.min(Math.max(maxCount, 1), 10_000), direction });
    return { streamId, revision: await this.store.streamRevision(streamId), events: events.map(toJson) };
  }

  @Get('verify')
  @Roles('auditor', 'ethics')
  @ApiOperation({ summary: 'Walk every stream and report every broken hash-chain link' })
  @ApiOkResponse({ description: '{ intact, eventsChecked, streamsChecked, failures: [{ streamId, revision, reason }] }' })
  verify() {
    return verifyLedger(this.store, { densePositions: this.store.kind === 'embedded-sqlite' });
  }
}
