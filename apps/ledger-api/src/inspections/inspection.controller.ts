import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { asOfInstant, inspectionDecider, inspectionStreamId, NotFoundError, WebIRServiceCommand } from '@ledger/domain';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { webirServiceAt } from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { AuthedRequest, Roles } from '../auth/auth.guard';
import { CommandDto, envelopeOf } from '../common/command.dto';
import type { CommandResult } from '../common/command-processor';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { CommandRoute, StateRoute, refusal } from '../access/shared/openapi';
import { CLOCK, Clock, PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { awaitMinPosition, fieldError, MIN_POSITION_DOC } from '../reporting/as-of.dto';
import {
  AnswerDto,
  BliRequestDto,
  InspectionIdParam,
  InspectionMaterialDto,
  ProvideMaterialsDto,
  ReapplyDto,
  RecordInspectionDto,
  RequestParams,
  ResumeDto,
  ServiceAgencyParam,
  ServiceAtQueryDto,
  StopServiceDto,
} from './inspection.dto';
import { InspectionCommandMessage, InspectionInput, WebIRServiceCommandMessage } from './inspection.handler';

const STREAM = 'bliinspection-BLI_2025_SWD001';
const SERVICE_STREAM = 'webirservice-SWD001';
const RULE = '要點 十二(五)';

const materialsOf = (dtos: InspectionMaterialDto[]) =>
  dtos.map(({ materialId, kind, description, providedOn, checkpoint }) => ({
    materialId, kind, description, providedOn, checkpoint: checkpoint ? { treeSize: checkpoint.treeSize, rootHash: checkpoint.rootHash } : null,
  }));

/**
 * 要點 十二(五): BLI inspects an agency; the agency records the inspection, the materials it
 * provided (the roster and audit records with the signed checkpoint they were drawn from), BLI's
 * requests for an explanation or an improvement, and its answers. Each is the inspected agency's act.
 */
@ApiTags('BLI inspections')
@ApiSecurity('api-key')
@Controller('bli-inspections')
export class InspectionController {
  constructor(
    private readonly commands: CommandBus,
    private readonly scope: AccessScope,
    private readonly states: AccessStates,
  ) {}

  @Post()
  @CommandRoute({
    summary: 'Record a BLI inspection and the materials provided: roster, audit and check records each with the signed checkpoint it was drawn from (要點 十二(五))',
    streamId: STREAM,
    events: ['BliInspectionRecorded'],
    refusals: [refusal('INSPECTION_MATERIAL_NEEDS_CHECKPOINT'), refusal('INSPECTION_CHECKPOINT_UNKNOWN'), refusal('INSPECTION_MATERIAL_DUPLICATE'), refusal('INSPECTION_ALREADY_RECORDED')],
  })
  async record(@Body() dto: RecordInspectionDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsAsAgency(req, dto.agencyCode, RULE);
    const { inspectionId, agencyCode, startedOn, scope, materials } = dto;
    return this.send(req, dto, { type: 'RecordBliInspection', inspectionId, agencyCode, startedOn, scope, materials: materialsOf(materials) });
  }

  @Post(':inspectionId/materials')
  @CommandRoute({
    summary: 'Record further materials provided to BLI (要點 十二(五))',
    streamId: STREAM,
    events: ['InspectionMaterialsProvided'],
    refusals: [refusal('INSPECTION_MATERIAL_NEEDS_CHECKPOINT'), refusal('INSPECTION_CHECKPOINT_UNKNOWN'), refusal('INSPECTION_MATERIAL_DUPLICATE')],
  })
  async materials(@Param() { inspectionId }: InspectionIdParam, @Body() dto: ProvideMaterialsDto, @Req() req: AuthedRequest) {
    await this.assertOwn(req, inspectionId);
    return this.send(req, dto, { type: 'ProvideInspectionMaterials', inspectionId, materials: materialsOf(dto.materials) });
  }

  @Post(':inspectionId/requests')
  @CommandRoute({
    summary: "Record BLI's request for an explanation or an improvement with the date BLI set (要點 十二(五)(六)); opens BLI_REQUESTED_ACTION",
    streamId: STREAM,
    events: ['BliActionRequested'],
    refusals: [refusal('BLI_REQUEST_DUPLICATE')],
  })
  async request(@Param() { inspectionId }: InspectionIdParam, @Body() dto: BliRequestDto, @Req() req: AuthedRequest) {
    await this.assertOwn(req, inspectionId);
    const { requestId, kind, receivedOn, dueDate, summary } = dto;
    return this.send(req, dto, { type: 'RecordBliRequest', inspectionId, requestId, kind, receivedOn, dueDate, summary });
  }

  @Post(':inspectionId/requests/:requestId/answer')
  @CommandRoute({
    summary: "Record the agency's explanation or improvement, answered at occurredAt (要點 十二(五)(六)); meets BLI_REQUESTED_ACTION",
    streamId: STREAM,
    events: ['BliRequestAnswered'],
    refusals: [refusal('BLI_REQUEST_UNKNOWN'), refusal('BLI_REQUEST_ALREADY_ANSWERED')],
  })
  async answer(@Param() { inspectionId, requestId }: RequestParams, @Body() dto: AnswerDto, @Req() req: AuthedRequest) {
    await this.assertOwn(req, inspectionId);
    return this.send(req, dto, { type: 'AnswerBliRequest', inspectionId, requestId, summary: dto.summary, evidence: dto.evidence ?? null });
  }

  @Get(':inspectionId')
  @StateRoute('One BLI inspection: materials provided and BLI requests with their due dates and answers', Object, {
    streamId: STREAM,
    revision: 2,
    state: { status: 'RECORDED', inspectionId: 'BLI_2025_SWD001', agencyCode: 'SWD001', materialIds: ['roster_1'], requests: { req_1: { kind: 'IMPROVEMENT', dueDate: '2025-08-10', answeredAt: null } } },
  })
  async get(@Param() { inspectionId }: InspectionIdParam, @Req() req: AuthedRequest) {
    const view = await this.states.existing(inspectionStreamId(inspectionId), inspectionDecider, 'inspection', inspectionId);
    if (view.state.status !== 'NONE') await this.scope.assertMayRead(req, view.state.agencyCode);
    return view;
  }

  private async assertOwn(req: AuthedRequest, inspectionId: string): Promise<void> {
    const view = await this.states.view(inspectionStreamId(inspectionId), inspectionDecider);
    if (view.state.status === 'NONE') throw new NotFoundError('inspection', inspectionId);
    await this.scope.assertActsAsAgency(req, view.state.agencyCode, RULE);
  }

  private send(req: AuthedRequest, dto: CommandDto, input: InspectionInput): Promise<CommandResult> {
    return this.commands.execute(new InspectionCommandMessage(input, envelopeOf(dto, req.principal.id)));
  }
}

/**
 * 要點 十二(六)(七): BLI's suspension or termination of WebIR service to an agency, the reapplication
 * with evidence once improved, and the service resumed. The central admin is the city's single window
 * to BLI (要點 二(一)、三(一)2), so it records them; anyone who may read the agency asks whether its
 * service was stopped at an instant.
 */
@ApiTags('BLI inspections')
@ApiSecurity('api-key')
@Controller('webir-service')
export class WebIRServiceController {
  constructor(
    private readonly commands: CommandBus,
    private readonly scope: AccessScope,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post(':agencyCode/suspension')
  @CommandRoute({
    summary: "Record BLI's suspension of WebIR service to the agency, effective at an instant (要點 十二(六)); central admin only",
    streamId: SERVICE_STREAM,
    events: ['WebIRServiceSuspended'],
    refusals: [refusal('WEBIR_SERVICE_ALREADY_STOPPED')],
  })
  async suspend(@Param() { agencyCode }: ServiceAgencyParam, @Body() dto: StopServiceDto, @Req() req: AuthedRequest) {
    return this.stop('SuspendWebIRService', agencyCode, dto, req);
  }

  @Post(':agencyCode/termination')
  @CommandRoute({
    summary: "Record BLI's termination of WebIR service to the agency, effective at an instant (要點 十二(六)); central admin only",
    streamId: SERVICE_STREAM,
    events: ['WebIRServiceTerminated'],
    refusals: [refusal('WEBIR_SERVICE_ALREADY_STOPPED')],
  })
  async terminate(@Param() { agencyCode }: ServiceAgencyParam, @Body() dto: StopServiceDto, @Req() req: AuthedRequest) {
    return this.stop('TerminateWebIRService', agencyCode, dto, req);
  }

  @Post(':agencyCode/reapplication')
  @CommandRoute({
    summary: 'Record the reapplication to BLI with evidence once improved (要點 十二(七)); central admin only',
    streamId: SERVICE_STREAM,
    events: ['WebIRServiceReapplied'],
    refusals: [refusal('WEBIR_SERVICE_NOT_STOPPED')],
  })
  async reapply(@Param() { agencyCode }: ServiceAgencyParam, @Body() dto: ReapplyDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsFor(req, 'CENTRAL_ADMIN', `webir-service:${agencyCode}`);
    return this.send(req, dto, { type: 'ReapplyForWebIRService', agencyCode, improvements: dto.improvements, evidence: dto.evidence, reference: dto.reference ?? null });
  }

  @Post(':agencyCode/resumption')
  @CommandRoute({
    summary: 'Record that BLI resumed the service after a reapplication (要點 十二(七)); central admin only',
    streamId: SERVICE_STREAM,
    events: ['WebIRServiceResumed'],
    refusals: [refusal('WEBIR_SERVICE_NOT_STOPPED'), refusal('WEBIR_SERVICE_REAPPLICATION_REQUIRED')],
  })
  async resume(@Param() { agencyCode }: ServiceAgencyParam, @Body() dto: ResumeDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsFor(req, 'CENTRAL_ADMIN', `webir-service:${agencyCode}`);
    return this.send(req, dto, { type: 'ResumeWebIRService', agencyCode, effectiveAt: dto.effectiveAt, reference: dto.reference ?? null });
  }

  @Get(':agencyCode')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({
    summary: "Was the agency's WebIR service suspended or terminated at an instant (要點 十二(六))? With every period it was stopped",
    description: 'auditor and ethics read every agency; an integrator its own agencies, or all when it acts for the central admin or the competent authority.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        agencyCode: 'SWD001', at: '2025-09-15T02:00:00.000Z', status: 'SUSPENDED',
        since: { status: 'SUSPENDED', effectiveAt: '2025-08-31T16:00:00.000Z', eventId: '…', streamId: 'webirservice-SWD001', position: '812', type: 'WebIRServiceSuspended' },
        stopPeriods: [{ status: 'SUSPENDED', from: '2025-08-31T16:00:00.000Z', until: '2025-10-01T01:00:00.000Z' }],
      },
    },
  })
  @ApiHeader(MIN_POSITION_DOC)
  async status(@Param() { agencyCode }: ServiceAgencyParam, @Query() query: ServiceAtQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    await this.scope.assertMayRead(req, agencyCode);
    const at = query.at === undefined ? this.clock().toISOString() : asOfInstant(query.at);
    if (!at) throw fieldError('at', 'must be a date YYYY-MM-DD or an ISO-8601 instant with its UTC offset');
    await awaitMinPosition(req, res, query, this.runners, ['webir_service'], this.config.readWaitMs);
    return webirServiceAt(this.readModels, agencyCode, at);
  }

  private async stop(type: 'SuspendWebIRService' | 'TerminateWebIRService', agencyCode: string, dto: StopServiceDto, req: AuthedRequest) {
    await this.scope.assertActsFor(req, 'CENTRAL_ADMIN', `webir-service:${agencyCode}`);
    return this.send(req, dto, { type, agencyCode, effectiveAt: dto.effectiveAt, reason: dto.reason, reference: dto.reference ?? null, inspectionId: dto.inspectionId ?? null });
  }

  private send(req: AuthedRequest, dto: CommandDto, input: WebIRServiceCommand): Promise<CommandResult> {
    return this.commands.execute(new WebIRServiceCommandMessage(input, envelopeOf(dto, req.principal.id)));
  }
}
