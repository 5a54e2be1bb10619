import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { applicationDecider, applicationStreamId, ApprovalStep, NotFoundError } from '@ledger/domain';
import { AuthedRequest } from '../../auth/auth.guard';
import { CommandDto, envelopeOf } from '../../common/command.dto';
import { AccessScope, OverseeingBody } from '../shared/access-scope';
import { AccessStates } from '../shared/access-states';
import { CommandRoute, Refusal, StateRoute, refusal } from '../shared/openapi';
import { ApplicationIdParam, EXAMPLE_USER_ACCOUNT_ID } from '../shared/validators';
import { ApplicationStepDto, RejectApplicationStepDto, SubmitApplicationDto } from './application.dto';
import { ApplicationCommandMessage, ApplicationInput, ApplicationResult } from './application.handler';
import { APPLICATION_VIEW_EXAMPLE, ApplicationView, SubmittedApplicationView } from './application.view';

/** 要點 三、五(二): who signs each step; BLI's reply reaches the ledger through the central admin. */
const SIGNER: Record<ApprovalStep, OverseeingBody | undefined> = {
  SUPERVISOR: undefined,
  COMPETENT_AUTHORITY: 'COMPETENT_AUTHORITY',
  CENTRAL_ADMIN: 'CENTRAL_ADMIN',
  BLI: 'CENTRAL_ADMIN',
};
const STREAM = 'application-SWD001_2025_017';
const STEP_REFUSALS: Refusal[] = [
  refusal('APPLICATION_STEP_OUT_OF_ORDER'),
  refusal('APPLICATION_CLOSED'),
];

@ApiTags('applications')
@ApiSecurity('api-key')
@Controller('applications')
export class ApplicationController {
  constructor(
    private readonly commands: CommandBus,
    private readonly scope: AccessScope,
    private readonly states: AccessStates,
  ) {}

  @Post()
  @CommandRoute({
    summary: 'File an account or query-item form (要點 五(二)); account add forms name the holder, and the result gives the account id',
    streamId: STREAM,
    events: ['ApplicationSubmitted'],
    refusals: [refusal('APPLICATION_ALREADY_SUBMITTED')],
    result: SubmittedApplicationView,
    resultExtras: { accountId: EXAMPLE_USER_ACCOUNT_ID },
  })
  async submit(@Body() dto: SubmitApplicationDto, @Req() req: AuthedRequest): Promise<ApplicationResult> {
    await this.scope.assertMaySend(req, dto.agencyCode);
    const { applicationId, agencyCode, kind, accountId, holder, queryItems } = dto;
    return this.send(req, dto, {
      type: 'SubmitApplication',
      applicationId,
      agencyCode,
      kind,
      accountId,
      ...(holder && { holder: { nationalId: holder.nationalId } }),
      ...(queryItems && { queryItems: { add: queryItems.add ?? [], remove: queryItems.remove ?? [] } }),
    });
  }

  @Post(':applicationId/approvals')
  @CommandRoute({
    summary: 'Sign the next step of the chain; the last one completes the form (要點 五(二))',
    streamId: STREAM,
    events: ['ApplicationStepApproved', 'ApplicationCompleted'],
    refusals: STEP_REFUSALS,
  })
  async approve(@Param() { applicationId }: ApplicationIdParam, @Body() dto: ApplicationStepDto, @Req() req: AuthedRequest) {
    const signedFor = await this.assertMaySign(req, applicationId, dto.step);
    return this.send(req, dto, { type: 'ApproveApplicationStep', applicationId, step: dto.step, signedFor });
  }

  @Post(':applicationId/rejections')
  @CommandRoute({ summary: 'Reject the form at the next step; it is closed for good (要點 五(二))', streamId: STREAM, events: ['ApplicationStepRejected'], refusals: STEP_REFUSALS })
  async reject(@Param() { applicationId }: ApplicationIdParam, @Body() dto: RejectApplicationStepDto, @Req() req: AuthedRequest) {
    const signedFor = await this.assertMaySign(req, applicationId, dto.step);
    return this.send(req, dto, { type: 'RejectApplicationStep', applicationId, step: dto.step, reason: dto.reason, signedFor });
  }

  @Get(':applicationId')
  @StateRoute('A form with its chain and sign-offs (kept 5 years, 要點 五(三))', ApplicationView, APPLICATION_VIEW_EXAMPLE)
  async get(@Param() { applicationId }: ApplicationIdParam, @Req() req: AuthedRequest) {
    const view = await this.states.existing(applicationStreamId(applicationId), applicationDecider, 'application', applicationId);
    if (view.state.status !== 'NONE') await this.scope.assertMayRead(req, view.state.agencyCode);
    return view;
  }

  /** The supervisor signs for the requester; the other steps only for the body the 要點 names. Returns that body's agency code. */
  private async assertMaySign(req: AuthedRequest, applicationId: string, step: ApprovalStep): Promise<string> {
    const application = await this.states.application(applicationId);
    if (application.status === 'NONE') throw new NotFoundError('application', applicationId);
    const body = SIGNER[step];
    if (body) return this.scope.assertActsFor(req, body, `step ${step}`);
    await this.scope.assertMaySend(req, application.agencyCode);
    return application.agencyCode;
  }

  private send(req: AuthedRequest, dto: CommandDto, input: ApplicationInput): Promise<ApplicationResult> {
    return this.commands.execute(new ApplicationCommandMessage(input, envelopeOf(dto, req.principal.id)));
  }
}
