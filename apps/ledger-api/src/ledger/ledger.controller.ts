import { BadRequestException, Controller, Get, Inject, Param, ParseIntPipe, Query, DefaultValuePipe, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';

const EXAMPLE_EVENT = {
  streamId: 'agency-SWD001', revision: 0, position: '42', eventId: '280503a6-2476-552c-b7a2-c49a735b96bf', type: 'AgencyRegistered',
  data: { agencyCode: 'SWD001', name: '臺北市政府社會局', role: 'DATA_REQUESTER' },
  metadata: {
    $correlationId: '3f1c2a4e-8a6b-4c1d-9e2f-1a2b3c4d5e6f', $causationId: '3f1c2a4e-8a6b-4c1d-9e2f-1a2b3c4d5e6f', commandId: '3f1c2a4e-8a6b-4c1d-9e2f-1a2b3c4d5e6f',
    actor: 'svc_swd_case_system', occurredAt: '2025-07-01T01:00:00.000Z', recordedAt: '2025-07-01T01:00:00.412Z', schemaVersion: 1,
    prevHash: '0000000000000000000000000000000000000000000000000000000000000000', hash: '9f2c4be1d0a7c3e5f6a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0',
  },
};
import { EventStore, isValidStreamId, RecordedEvent } from '@ledger/event-store';
import { Roles, type AuthedRequest } from '../auth/auth.guard';
import { EVENT_STORE } from '../infrastructure/event-store.provider';
import { VerifyJobsService } from '../integrity/verify-jobs.service';

const toJson = (e: RecordedEvent) => ({ ...e, position: e.position.toString() });

@ApiTags('ledger')
@ApiSecurity('api-key')
@Controller('ledger')
export class LedgerController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly verifyJobs: VerifyJobsService,
  ) {}

  @Get('streams/:streamId')
  @Roles('auditor', 'ethics')
  @ApiOperation({ summary: "A stream's events with metadata and hashes" })
  @ApiQuery({ name: 'fromRevision', required: false })
  @ApiQuery({ name: 'maxCount', required: false })
  @ApiQuery({ name: 'direction', required: false, enum: ['forwards', 'backwards'] })
  @ApiOkResponse({ description: 'The events, each with metadata and hash', schema: { example: { streamId: 'agency-SWD001', revision: 0, events: [EXAMPLE_EVENT] } } })
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
  @ApiOperation({
    summary: 'Verify the ledger: hash chains, the Merkle tree against the log, every signed checkpoint, append-only triggers',
    description: 'Read-only. Incremental (only events appended since the last intact run) unless full=true; it yields to other requests while it runs. For a long run start a job (POST /ledger/verify/jobs) and poll it.',
  })
  @ApiQuery({ name: 'full', required: false, enum: ['true', 'false'] })
  @ApiOkResponse({
    description: 'Every finding with its reason and, where it can be named, stream, revision and position; intact when there are none',
    schema: {
      example: {
        intact: false, eventsChecked: 1204, streamsChecked: 87, lastPosition: '1204', treeSize: 1204, rootHash: 'q2SW…=', keysPinned: true, uncoveredEvents: 3, eventsVerifiedThisRun: 1204,
        checkpoints: [{ source: 'ledger', size: 1200, rootHash: 'q2SW…=', signedBy: ['webir-ledger'], ok: true }],
        failures: [{ streamId: 'account-SWD001.USER.3b1f…', revision: 2, position: '388', reason: 'HASH_MISMATCH', detail: 'stored hash differs from the hash of the stored content' }],
      },
    },
  })
  async verify(@Req() req: AuthedRequest, @Query('full') full?: string) {
    if (full !== undefined && full !== 'true' && full !== 'false') {
      throw new BadRequestException({ code: 'VALIDATION_FAILED', message: 'full must be true or false', fields: [{ field: 'full', rule: 'isBoolean', message: 'true | false' }] });
    }
    const job = await this.verifyJobs.start(full === 'true', req.principal.id).done;
    if (!job.report) throw new Error(`verification failed: ${job.error ?? 'unknown error'}`);
    return job.report;
  }
}
