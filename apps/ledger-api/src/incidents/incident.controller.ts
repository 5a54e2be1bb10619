import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { incidentDecider, incidentStreamId, NotFoundError, parseInstant } from '@ledger/domain';
import { AuthedRequest } from '../auth/auth.guard';
import { CommandDto, envelopeOf } from '../common/command.dto';
import type { CommandResult } from '../common/command-processor';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { CommandRoute, Refusal, StateRoute, refusal } from '../access/shared/openapi';
import { fieldError } from '../reporting/as-of.dto';
import { CloseIncidentDto, IncidentActionDto, IncidentIdParam, NotifyBliDto, ReportIncidentDto } from './incident.dto';
import { IncidentCommandMessage, IncidentInput } from './incident.handler';

const STREAM = 'incident-SWD001_2025_INC_01';
const RULE = '要點 十二(十)';
const CLOSED: Refusal = refusal('INCIDENT_CLOSED');

/**
 * 要點 十二(十): a personal-data security incident, or a suspected one, involving BLI data — its
 * discovery, emergency response, investigation, responsibility, containment, the immediate (即時)
 * notice to BLI, and its closure. Each act is the agency's own, sent by an integrator acting for it.
 */
@ApiTags('incidents')
@ApiSecurity('api-key')
@Controller('incidents')
export class IncidentController {
  constructor(
    private readonly commands: CommandBus,
    private readonly scope: AccessScope,
    private readonly states: AccessStates,
  ) {}

  @Post()
  @CommandRoute({
    summary: 'Report a security incident or suspected incident at its discovery (要點 十二(十)); opens NOTIFY_BLI_OF_INCIDENT, due 即時: one hour after discovery by default (a project interpretation)',
    streamId: STREAM,
    events: ['IncidentReported'],
    refusals: [refusal('INCIDENT_ALREADY_REPORTED')],
  })
  async report(@Body() dto: ReportIncidentDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsAsAgency(req, dto.agencyCode, RULE);
    const discovered = parseInstant(dto.discoveredAt);
    // The report's business time is the discovery: the hour to notify BLI runs from it.
    if (discovered.ok && dto.occurredAt !== undefined) {
      const sent = parseInstant(dto.occurredAt);
      if (sent.ok && sent.instant !== discovered.instant) throw fieldError('occurredAt', 'must equal discoveredAt (or be left out): a report happens in business time at its discovery');
    }
    const { incidentId, agencyCode, suspected, summary, registrationIds, obtainedDataRecordIds } = dto;
    return this.send(req, { ...dto, occurredAt: dto.discoveredAt }, { type: 'ReportIncident', incidentId, agencyCode, suspected, summary, registrationIds: registrationIds ?? [], obtainedDataRecordIds: obtainedDataRecordIds ?? [] });
  }

  @Post(':incidentId/actions')
  @CommandRoute({
    summary: 'Record emergency response, investigation, responsibility or containment, taken at occurredAt (要點 十二(十))',
    streamId: STREAM,
    events: ['IncidentActionRecorded'],
    refusals: [CLOSED],
  })
  async action(@Param() { incidentId }: IncidentIdParam, @Body() dto: IncidentActionDto, @Req() req: AuthedRequest) {
    await this.assertOwn(req, incidentId);
    return this.send(req, dto, { type: 'RecordIncidentAction', incidentId, action: dto.action, summary: dto.summary });
  }

  @Post(':incidentId/bli-notification')
  @CommandRoute({
    summary: 'Record that BLI was notified at occurredAt, with the materials provided (要點 十二(十)); the first notice meets NOTIFY_BLI_OF_INCIDENT',
    streamId: STREAM,
    events: ['BliNotifiedOfIncident'],
    refusals: [CLOSED],
  })
  async notify(@Param() { incidentId }: IncidentIdParam, @Body() dto: NotifyBliDto, @Req() req: AuthedRequest) {
    await this.assertOwn(req, incidentId);
    return this.send(req, dto, { type: 'NotifyBliOfIncident', incidentId, channel: dto.channel, reference: dto.reference ?? null, materialsProvided: dto.materialsProvided ?? null });
  }

  @Post(':incidentId/close')
  @CommandRoute({
    summary: 'Close the incident: a confirmed one after every step and the BLI notice, a suspicion that proved none after its investigation and the notice (要點 十二(十))',
    streamId: STREAM,
    events: ['IncidentClosed'],
    refusals: [refusal('INCIDENT_NOT_READY_TO_CLOSE'), CLOSED],
  })
  async close(@Param() { incidentId }: IncidentIdParam, @Body() dto: CloseIncidentDto, @Req() req: AuthedRequest) {
    await this.assertOwn(req, incidentId);
    return this.send(req, dto, { type: 'CloseIncident', incidentId, conclusion: dto.conclusion, summary: dto.summary });
  }

  @Get(':incidentId')
  @StateRoute('One incident: discovery, steps taken, BLI notice and due time, closure', Object, {
    streamId: STREAM,
    revision: 1,
    state: { status: 'OPEN', incidentId: 'SWD001_2025_INC_01', agencyCode: 'SWD001', discoveredAt: '2025-07-01T01:10:00.000Z', dueAt: '2025-07-01T02:10:00.000Z', actions: ['EMERGENCY_RESPONSE'], firstNotifiedAt: null },
  })
  async get(@Param() { incidentId }: IncidentIdParam, @Req() req: AuthedRequest) {
    const view = await this.states.existing(incidentStreamId(incidentId), incidentDecider, 'incident', incidentId);
    if (view.state.status !== 'NONE') await this.scope.assertMayRead(req, view.state.agencyCode);
    return view;
  }

  private async assertOwn(req: AuthedRequest, incidentId: string): Promise<void> {
    const view = await this.states.view(incidentStreamId(incidentId), incidentDecider);
    if (view.state.status === 'NONE') throw new NotFoundError('incident', incidentId);
    await this.scope.assertActsAsAgency(req, view.state.agencyCode, RULE);
  }

  private send(req: AuthedRequest, dto: CommandDto, input: IncidentInput): Promise<CommandResult> {
    return this.commands.execute(new IncidentCommandMessage(input, envelopeOf(dto, req.principal.id)));
  }
}
