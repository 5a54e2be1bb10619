import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { NotFoundError, obtainedDataDecider, obtainedDataStreamId } from '@ledger/domain';
import { AuthedRequest } from '../auth/auth.guard';
import { CommandDto, envelopeOf } from '../common/command.dto';
import type { CommandResult } from '../common/command-processor';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { CommandRoute, Refusal, StateRoute, refusal } from '../access/shared/openapi';
import { DeleteDto, DiscloseDto, EndUseDto, RecordCopyDto, RecordIdParam, RecordObtainedDataDto } from './obtained-data.dto';
import { ObtainedDataCommandMessage, ObtainedDataInput } from './obtained-data.handler';

const STREAM = 'obtaineddata-SWD001_2025_OD_001';
const RULE = '要點 三(三)3';
const DELETED: Refusal = refusal('OBTAINED_DATA_DELETED');

/**
 * 要點 八、九(一)3、十一: that data obtained from BLI exists, where and how it is kept, what was
 * disclosed, when its use ended, and its deletion. Never the data: only facts about it. Every act is
 * the requester agency's own (要點 三(三)3), sent by an integrator acting for that agency.
 */
@ApiTags('obtained data')
@ApiSecurity('api-key')
@Controller('obtained-data')
export class ObtainedDataController {
  constructor(
    private readonly commands: CommandBus,
    private readonly scope: AccessScope,
    private readonly states: AccessStates,
  ) {}

  @Post()
  @CommandRoute({
    summary: 'Record that data obtained from BLI exists: its registrations, legal basis, declared period of use, statutory retention, and every copy with where and how it is kept (要點 九(一)3、十一(二))',
    streamId: STREAM,
    events: ['ObtainedDataRecorded'],
    refusals: [refusal('OBTAINED_DATA_NOT_PROTECTED'), refusal('OBTAINED_DATA_REGISTRATION_UNKNOWN'), refusal('OBTAINED_DATA_ALREADY_RECORDED')],
  })
  async record(@Body() dto: RecordObtainedDataDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsAsAgency(req, dto.agencyCode, RULE);
    const { recordId, agencyCode, registrationIds, obtainedOn, legalBasis, use, statutoryRetention, copies } = dto;
    return this.send(req, dto, {
      type: 'RecordObtainedData', recordId, agencyCode, registrationIds, obtainedOn, legalBasis,
      use: { until: use.until, basis: use.basis },
      statutoryRetention: statutoryRetention ? { until: statutoryRetention.until, basis: statutoryRetention.basis } : null,
      copies: copies.map(({ copyId, kind, medium, protection, location }) => ({ copyId, kind, medium, protection, location })),
    });
  }

  @Post(':recordId/copies')
  @CommandRoute({
    summary: 'Record a derived file or backup made of the obtained data (要點 九(一)3、十一(三)2)',
    streamId: STREAM,
    events: ['ObtainedDataCopyMade'],
    refusals: [refusal('OBTAINED_DATA_NOT_PROTECTED'), refusal('OBTAINED_DATA_ID_REUSED'), DELETED],
  })
  async copy(@Param() { recordId }: RecordIdParam, @Body() dto: RecordCopyDto, @Req() req: AuthedRequest) {
    await this.assertOwn(req, recordId);
    const { copyId, kind, medium, protection, location } = dto.copy;
    return this.send(req, dto, { type: 'RecordObtainedDataCopy', recordId, copy: { copyId, kind, medium, protection, location } });
  }

  @Post(':recordId/disclosures')
  @CommandRoute({
    summary: 'Record a disclosure or transfer with its legal basis (要點 八); without one it is refused, or, reported after the fact, recorded flagged NO_LEGAL_BASIS',
    streamId: STREAM,
    events: ['ObtainedDataDisclosed'],
    refusals: [refusal('DISCLOSURE_WITHOUT_LEGAL_BASIS'), refusal('OBTAINED_DATA_ID_REUSED'), DELETED],
  })
  async disclose(@Param() { recordId }: RecordIdParam, @Body() dto: DiscloseDto, @Req() req: AuthedRequest) {
    await this.assertOwn(req, recordId);
    const { disclosureId, recipientKind, recipient, disclosedOn, legalBasis, reportedBreach } = dto;
    return this.send(req, dto, { type: 'DiscloseObtainedData', recordId, disclosureId, recipientKind, recipient, disclosedOn, legalBasis: legalBasis ?? null, reportedBreach: reportedBreach === true });
  }

  @Post(':recordId/use-end')
  @CommandRoute({
    summary: 'Record that the use is complete (要點 十一(二)2) or its basis lapsed (十一(二)3); opens DELETE_OBTAINED_DATA, due one month later (after any statutory retention)',
    streamId: STREAM,
    events: ['ObtainedDataUseEnded'],
    refusals: [refusal('OBTAINED_DATA_USE_ALREADY_ENDED'), DELETED],
  })
  async endUse(@Param() { recordId }: RecordIdParam, @Body() dto: EndUseDto, @Req() req: AuthedRequest) {
    await this.assertOwn(req, recordId);
    return this.send(req, dto, { type: 'EndObtainedDataUse', recordId, endedOn: dto.endedOn, reason: dto.reason, note: dto.note ?? null });
  }

  @Post(':recordId/deletions')
  @CommandRoute({
    summary: 'Record a deletion: which copies, temporary files, how, by whom, with its evidence (要點 十一(三)); the duty is met only once no copy, backup, derived or temporary file remains',
    streamId: STREAM,
    events: ['ObtainedDataDeleted'],
    refusals: [
      refusal('OBTAINED_DATA_USE_NOT_ENDED'),
      refusal('OBTAINED_DATA_RETENTION_RUNNING'),
      refusal('OBTAINED_DATA_COPY_UNKNOWN'),
      refusal('OBTAINED_DATA_DELETION_METHOD'),
      refusal('OBTAINED_DATA_ID_REUSED'),
      DELETED,
    ],
  })
  async delete(@Param() { recordId }: RecordIdParam, @Body() dto: DeleteDto, @Req() req: AuthedRequest) {
    await this.assertOwn(req, recordId);
    const { deletionId, deletedOn, copyIds, temporaryFilesCleared, method, performedBy, evidence } = dto;
    return this.send(req, dto, {
      type: 'DeleteObtainedData', recordId, deletionId, deletedOn, copyIds, temporaryFilesCleared, method,
      performedBy: { unit: performedBy.unit, accountId: performedBy.accountId ?? null },
      evidence: { reference: evidence.reference, description: evidence.description },
    });
  }

  @Get(':recordId')
  @StateRoute('One body of obtained data: its copies, disclosures, end of use and deletions (never the data)', Object, {
    streamId: STREAM,
    revision: 2,
    state: { status: 'USE_ENDED', recordId: 'SWD001_2025_OD_001', agencyCode: 'SWD001', useEnded: { endedOn: '2025-07-01', reason: 'USE_COMPLETE', dueDate: '2025-08-01' } },
  })
  async get(@Param() { recordId }: RecordIdParam, @Req() req: AuthedRequest) {
    const view = await this.states.existing(obtainedDataStreamId(recordId), obtainedDataDecider, 'obtained data', recordId);
    if (view.state.status !== 'NONE') await this.scope.assertMayRead(req, view.state.agencyCode);
    return view;
  }

  private async assertOwn(req: AuthedRequest, recordId: string): Promise<void> {
    const view = await this.states.view(obtainedDataStreamId(recordId), obtainedDataDecider);
    if (view.state.status === 'NONE') throw new NotFoundError('obtained data', recordId);
    await this.scope.assertActsAsAgency(req, view.state.agencyCode, RULE);
  }

  private send(req: AuthedRequest, dto: CommandDto, input: ObtainedDataInput): Promise<CommandResult> {
    return this.commands.execute(new ObtainedDataCommandMessage(input, envelopeOf(dto, req.principal.id)));
  }
}
