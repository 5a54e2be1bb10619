import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiQuery, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { readAnnouncedKeys, type EventStore } from '@ledger/event-store';
import { formatVerifierKey, toBase64, type ConsistencyProofBundle, type InclusionProofBundle } from '@ledger/integrity';
import { Public, Roles, type AuthedRequest } from '../auth/auth.guard';
import { EVENT_STORE } from '../infrastructure/event-store.provider';
import { CheckpointService } from './checkpoint.service';
import { KEEP_FAILURES, KEEP_RUNS } from './verification-run-log';
import { VerifyJobsService } from './verify-jobs.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXAMPLE_NOTE = 'webir-ledger\n1204\nq2SWaVQ9Ssn3bLWq1qa2gK0Y1b0M0nSE8F4Z3pXhB8o=\n\n— webir-ledger 3Jb0VQ3o8X…\n';

function invalid(field: string, message: string): BadRequestException {
  return new BadRequestException({ code: 'VALIDATION_FAILED', message: `${field} ${message}`, fields: [{ field, rule: 'format', message }] });
}

function positiveInt(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[1-9][0-9]{0,14}$/.test(value)) throw invalid(field, 'must be a positive integer');
  return Number(value);
}

export class StartVerifyJobDto {
  @ApiPropertyOptional({ description: 'Re-verify every event, not only those appended since the last intact run', example: false })
  @IsOptional()
  @IsBoolean()
  full?: boolean;
}

const EXAMPLE_RUN = {
  id: '6a1f0c3e-2b4d-4e8f-9a7b-1c2d3e4f5a6b', mode: 'full', state: 'done', startedAt: '2025-07-01T01:00:00.000Z', finishedAt: '2025-07-01T01:00:41.000Z', startedBy: 'auditor_bli',
  eventsChecked: 1000000, totalEvents: 1000000, resumedAfterEvents: 0, intact: false, failureCount: 1,
  failures: [{ streamId: 'account-SWD001.USER.3b1f…', revision: 2, position: '388', reason: 'HASH_MISMATCH', detail: 'stored hash differs from the hash of the stored content' }], error: null,
};
const EXAMPLE_JOB = { id: '6a1f0c3e-2b4d-4e8f-9a7b-1c2d3e4f5a6b', mode: 'incremental', state: 'running', startedAt: '2025-07-01T01:00:00.000Z', eventsChecked: 120000, totalEvents: 1000000, resumedAfterEvents: 100000, startedBy: 'auditor_bli' };

@ApiTags('ledger integrity')
@ApiSecurity('api-key')
@Controller('ledger')
export class IntegrityController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly checkpoints: CheckpointService,
    private readonly jobs: VerifyJobsService,
  ) {}

  @Get('public-key')
  @Public()
  @ApiOperation({ summary: 'The Ed25519 key that signs checkpoints, to pin; and every key the ledger announced' })
  @ApiOkResponse({ schema: { example: { algorithm: 'Ed25519', keyName: 'webir-ledger', keyId: '3dc26e1f', verifierKey: 'webir-ledger+3dc26e1f+AWx…', publicKey: 'bH…=', announced: [] } } })
  async publicKey() {
    const key = this.checkpoints.publicKey;
    const announced = await readAnnouncedKeys(this.store);
    return {
      algorithm: 'Ed25519',
      keyName: key.name,
      keyId: key.keyId.toString(16).padStart(8, '0'),
      verifierKey: formatVerifierKey(key),
      publicKey: key.publicKey.toString('base64'),
      announced: announced.map((a) => ({ verifierKey: formatVerifierKey(a.key), position: a.event.position.toString(), recordedAt: a.event.metadata.recordedAt })),
    };
  }

  @Get('checkpoints/latest')
  @Roles('auditor', 'ethics')
  @ApiOperation({ summary: 'The latest signed checkpoint (C2SP tlog-checkpoint note), and the witnesses it reached' })
  @ApiOkResponse({ schema: { example: { note: EXAMPLE_NOTE, treeSize: 1204, rootHash: 'q2SW…=', position: '1205', recordedAt: '2025-07-01T01:00:00.000Z', reason: 'interval', witnesses: [] } } })
  async latest(@Query('format') format: string | undefined, @Res({ passthrough: true }) res: Response) {
    if (format !== undefined && format !== 'json' && format !== 'note') throw invalid('format', 'must be json or note');
    const latest = await this.checkpoints.latest();
    if (!latest) throw new NotFoundException({ code: 'NO_CHECKPOINT', message: 'no checkpoint has been issued yet' });
    if (format === 'note') {
      res.type('text/plain; charset=utf-8');
      return latest.note;
    }
    return { ...latest, witnesses: this.checkpoints.witnessStatus, blocked: this.checkpoints.status.blocked };
  }

  @Post('checkpoints')
  @Roles()
  @ApiBody({ required: false, schema: { type: 'object', example: {} } })
  @ApiCreatedResponse({ schema: { example: { note: EXAMPLE_NOTE, treeSize: 1204, rootHash: 'q2SW…=', position: '1205', recordedAt: '2025-07-01T01:00:00.000Z', reason: 'on-demand' } } })
  @ApiOperation({ summary: 'Sign and append a checkpoint now (admin); also clears a hold after an uncovered tail was verified' })
  async issue() {
    if (!this.checkpoints.enabled) throw new ConflictException({ code: 'NO_MERKLE_TREE', message: `the ${this.store.kind} adapter keeps no Merkle tree` });
    return this.checkpoints.issue('on-demand');
  }

  @Get('proofs/inclusion')
  @Roles('auditor', 'ethics')
  @ApiOperation({ summary: "Inclusion proof (RFC 9162 inclusion_path) of an event, by position or event id, in a checkpoint's tree" })
  @ApiQuery({ name: 'position', required: false })
  @ApiQuery({ name: 'eventId', required: false })
  @ApiQuery({ name: 'treeSize', required: false, description: 'a checkpoint of exactly this size; default the latest' })
  @ApiOkResponse({ schema: { example: { type: 'inclusion', checkpoint: EXAMPLE_NOTE, tree_size: 1204, leaf_index: 41, event_hash: '9f2c…', inclusion_path: ['…='], position: '42', stream_id: 'agency-SWD001', revision: 0 } } })
  async inclusion(@Query('position') positionText?: string, @Query('eventId') eventId?: string, @Query('treeSize') treeSizeText?: string): Promise<InclusionProofBundle> {
    const tree = this.requireTree();
    if ((positionText === undefined) === (eventId === undefined)) throw invalid('position', 'or eventId: give exactly one');
    if (eventId !== undefined && !UUID.test(eventId)) throw invalid('eventId', 'must be a UUID');
    const byPosition = positiveInt(positionText, 'position');
    const position = byPosition !== undefined ? BigInt(byPosition) : await tree.positionOfEvent(eventId!);
    const leafIndex = position === undefined ? undefined : await tree.leafIndexOf(position);
    if (position === undefined || leafIndex === undefined) throw new NotFoundException({ code: 'EVENT_NOT_FOUND', message: 'no event at that position or with that id' });
    const checkpoint = await this.checkpointFor(positiveInt(treeSizeText, 'treeSize'));
    if (leafIndex >= checkpoint.size) {
      throw new ConflictException({ code: 'NOT_YET_CHECKPOINTED', message: `the event at position ${position} is newer than the checkpoint of size ${checkpoint.size}; a newer checkpoint follows within seconds` });
    }
    const [event] = await this.store.readAll({ after: position - 1n, maxCount: 1 });
    return {
      type: 'inclusion',
      checkpoint: checkpoint.note,
      tree_size: checkpoint.size,
      leaf_index: leafIndex,
      event_hash: event.metadata.hash,
      inclusion_path: toBase64(await tree.inclusionProof(leafIndex, checkpoint.size)),
      position: event.position.toString(),
      stream_id: event.streamId,
      revision: event.revision,
      event_id: event.eventId,
    };
  }

  @Get('proofs/consistency')
  @Roles('auditor', 'ethics')
  @ApiOperation({ summary: 'Consistency proof (RFC 9162 consistency_path) between two tree sizes; the second must be a checkpoint' })
  @ApiQuery({ name: 'from', required: true, description: 'the older tree size (an auditor holds its checkpoint)' })
  @ApiQuery({ name: 'to', required: false, description: 'a checkpoint of exactly this size; default the latest' })
  @ApiOkResponse({ schema: { example: { type: 'consistency', checkpoint_2: EXAMPLE_NOTE, tree_size_1: 1000, tree_size_2: 1204, consistency_path: ['…='] } } })
  async consistency(@Query('from') fromText?: string, @Query('to') toText?: string): Promise<ConsistencyProofBundle> {
    const tree = this.requireTree();
    const from = positiveInt(fromText, 'from');
    if (from === undefined) throw invalid('from', 'is required');
    const second = await this.checkpointFor(positiveInt(toText, 'to'));
    if (from > second.size) throw invalid('from', `must not exceed the checkpoint's tree size ${second.size}`);
    const first = (await this.checkpoints.logged()).find((c) => c.size === from);
    return {
      type: 'consistency',
      ...(first && { checkpoint_1: first.note }),
      checkpoint_2: second.note,
      tree_size_1: from,
      tree_size_2: second.size,
      consistency_path: toBase64(await tree.consistencyProof(from, second.size)),
    };
  }

  @Post('verify/jobs')
  @Roles('auditor', 'ethics')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a verification (incremental unless full=true) without blocking the service; poll its progress' })
  @ApiAcceptedResponse({ schema: { example: EXAMPLE_JOB } })
  startJob(@Body() body: StartVerifyJobDto, @Req() req: AuthedRequest) {
    return this.jobs.start(body?.full === true, req.principal.id).job;
  }

  @Get('verify/jobs')
  @Roles('auditor', 'ethics')
  @ApiOperation({
    summary: 'The record of past verification runs, newest first: when, mode, events checked, intact or the failures, who started it',
    description: `Kept in the data directory (verification-runs.db), outside the ledger: verifying appends nothing. Survives restarts; the last ${KEEP_RUNS} runs are kept, each with its first ${KEEP_FAILURES} failures and their count. A run whose process died is \`interrupted\`. Pages: pass \`next\` as \`before\`.`,
  })
  @ApiQuery({ name: 'limit', required: false, description: 'runs per page, 1–100 (default 20)' })
  @ApiQuery({ name: 'before', required: false, description: 'the id of the last run of the previous page' })
  @ApiOkResponse({ schema: { example: { runs: [EXAMPLE_RUN], next: null } } })
  runs(@Query('limit') limitText?: string, @Query('before') before?: string) {
    const limit = positiveInt(limitText, 'limit') ?? 20;
    if (limit > 100) throw invalid('limit', 'must be at most 100');
    if (before !== undefined && !UUID.test(before)) throw invalid('before', 'must be a UUID');
    const page = this.jobs.history({ limit, before });
    if (!page) throw invalid('before', 'names no recorded run');
    return page;
  }

  @Get('verify/jobs/:id')
  @Roles('auditor', 'ethics')
  @ApiOperation({ summary: 'A verification job: progress while running, the report when done; after a restart, its record (without the full report)' })
  @ApiOkResponse({ schema: { example: { ...EXAMPLE_JOB, state: 'done', eventsChecked: 1000000, finishedAt: '2025-07-01T01:00:41.000Z', report: { intact: true, failures: [] } } } })
  job(@Param('id') id: string) {
    if (!UUID.test(id)) throw invalid('id', 'must be a UUID');
    const job = this.jobs.get(id) ?? this.jobs.recorded(id);
    if (!job) throw new NotFoundException({ code: 'JOB_NOT_FOUND', message: 'no such verification job' });
    return job;
  }

  private requireTree() {
    if (!this.store.tree) throw new ConflictException({ code: 'NO_MERKLE_TREE', message: `the ${this.store.kind} adapter keeps no Merkle tree` });
    return this.store.tree;
  }

  private async checkpointFor(size: number | undefined): Promise<{ note: string; size: number }> {
    if (size === undefined) {
      const latest = await this.checkpoints.latest();
      if (!latest) throw new ConflictException({ code: 'NO_CHECKPOINT', message: 'no checkpoint has been issued yet' });
      return { note: latest.note, size: latest.treeSize };
    }
    const found = (await this.checkpoints.logged()).find((c) => c.size === size);
    if (!found) throw new NotFoundException({ code: 'CHECKPOINT_NOT_FOUND', message: `no checkpoint of tree size ${size}` });
    return found;
  }
}
