import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { agencyDecider, agencyStreamId } from '@ledger/domain';
import { AuthedRequest } from '../../auth/auth.guard';
import { CommandDto, envelopeOf } from '../../common/command.dto';
import type { CommandResult } from '../../common/command-processor';
import { AccessScope } from '../shared/access-scope';
import { AccessStates } from '../shared/access-states';
import { CommandRoute, StateRoute, refusal } from '../shared/openapi';
import { AgencyCodeParam } from '../shared/validators';
import { ApproveAgencyDto, DesignatePersonnelDto, RecordBliNoticeDto, RecordTrainingDto } from './agency.dto';
import { AgencyCommandMessage, AgencyInput } from './agency.handler';
import { AGENCY_VIEW_EXAMPLE, AgencyView } from './agency.view';

@ApiTags('agencies')
@ApiSecurity('api-key')
@Controller('agencies')
export class AgencyAccessController {
  constructor(
    private readonly commands: CommandBus,
    private readonly scope: AccessScope,
    private readonly states: AccessStates,
  ) {}

  @Post(':agencyCode/approval')
  @CommandRoute({
    summary: 'The competent authority approves a data-requester agency for WebIR use (要點 二(三))',
    streamId: 'agency-SWD001',
    events: ['AgencyApprovedForWebIR'],
    refusals: [
      refusal('AGENCY_ALREADY_APPROVED'),
      refusal('AGENCY_APPROVAL_NOT_APPLICABLE'),
    ],
  })
  async approve(@Param() { agencyCode }: AgencyCodeParam, @Body() dto: ApproveAgencyDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsFor(req, 'COMPETENT_AUTHORITY', 'WebIR approval');
    return this.send(req, dto, { type: 'ApproveAgencyForWebIR', agencyCode, reference: dto.reference });
  }

  @Post(':agencyCode/personnel')
  @CommandRoute({
    summary: 'Designate or change the contact window, dedicated staff or unit head (要點 七、十(一))',
    streamId: 'agency-DIT001',
    events: ['AgencyPersonnelDesignated'],
    refusals: [refusal('PERSONNEL_UNCHANGED')],
  })
  async designate(@Param() { agencyCode }: AgencyCodeParam, @Body() dto: DesignatePersonnelDto, @Req() req: AuthedRequest) {
    await this.scope.assertMaySend(req, agencyCode);
    const { personnelRole, personId, effectiveDate } = dto;
    return this.send(req, dto, { type: 'DesignateAgencyPersonnel', agencyCode, personnelRole, personId, effectiveDate });
  }

  @Post(':agencyCode/bli-notices')
  @CommandRoute({
    summary: "Record that BLI was notified of a change of the central admin's personnel (要點 七, within 7 days)",
    streamId: 'agency-DIT001',
    events: ['BliNotifiedOfPersonnelChange'],
    refusals: [refusal('NO_BLI_NOTICE_DUE')],
  })
  async notifyBli(@Param() { agencyCode }: AgencyCodeParam, @Body() dto: RecordBliNoticeDto, @Req() req: AuthedRequest) {
    await this.scope.assertMaySend(req, agencyCode);
    return this.send(req, dto, { type: 'RecordBliNotifiedOfPersonnelChange', agencyCode, changeNo: dto.changeNo, reference: dto.reference });
  }

  @Post(':agencyCode/trainings')
  @CommandRoute({
    summary: "Record the dedicated staff's security training (要點 十(二))",
    streamId: 'agency-SWD001',
    events: ['DedicatedStaffTrainingRecorded'],
    refusals: [refusal('TRAINEE_NOT_DEDICATED_STAFF')],
  })
  async recordTraining(@Param() { agencyCode }: AgencyCodeParam, @Body() dto: RecordTrainingDto, @Req() req: AuthedRequest) {
    await this.scope.assertMaySend(req, agencyCode);
    const { personId, completedOn, course } = dto;
    return this.send(req, dto, { type: 'RecordDedicatedStaffTraining', agencyCode, personId, completedOn, course });
  }

  @Get(':agencyCode')
  @StateRoute("An agency's folded state: role, WebIR approval, personnel, BLI notices due", AgencyView, AGENCY_VIEW_EXAMPLE)
  async get(@Param() { agencyCode }: AgencyCodeParam, @Req() req: AuthedRequest) {
    await this.scope.assertMayRead(req, agencyCode);
    return this.states.existing(agencyStreamId(agencyCode), agencyDecider, 'agency', agencyCode);
  }

  private send(req: AuthedRequest, dto: CommandDto, input: AgencyInput): Promise<CommandResult> {
    return this.commands.execute(new AgencyCommandMessage(input, envelopeOf(dto, req.principal.id)));
  }
}
