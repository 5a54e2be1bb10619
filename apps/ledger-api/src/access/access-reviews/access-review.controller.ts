import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { accessReviewDecider, accessReviewStreamId, NotFoundError } from '@ledger/domain';
import { AuthedRequest } from '../../auth/auth.guard';
import { CommandDto, envelopeOf } from '../../common/command.dto';
import type { CommandResult } from '../../common/command-processor';
import { AccessScope } from '../shared/access-scope';
import { AccessStates } from '../shared/access-states';
import { CommandRoute, Refusal, StateRoute, refusal } from '../shared/openapi';
import { ReviewIdParam } from '../shared/validators';
import { CloseAccessReviewDto, OpenAccessReviewDto, RecordFindingDto } from './access-review.dto';
import { AccessReviewCommandMessage, AccessReviewInput } from './access-review.handler';
import { ACCESS_REVIEW_VIEW_EXAMPLE, AccessReviewView } from './access-review.view';

const STREAM = 'accessreview-SWD001_2025_review';
const CLOSED: Refusal = refusal('ACCESS_REVIEW_CLOSED');

/** 要點 六(六): the administrator's yearly review of every user account against least privilege. */
@ApiTags('access reviews')
@ApiSecurity('api-key')
@Controller('access-reviews')
export class AccessReviewController {
  constructor(
    private readonly commands: CommandBus,
    private readonly scope: AccessScope,
    private readonly states: AccessStates,
  ) {}

  @Post()
  @CommandRoute({
    summary: "Open the yearly access review, carried out by one of the agency's active administrators (要點 六(六))",
    streamId: STREAM,
    events: ['AccessReviewOpened'],
    refusals: [
      refusal('ACCESS_REVIEWER_NOT_ADMIN'),
      refusal('ACCESS_REVIEW_ALREADY_OPENED'),
    ],
  })
  async open(@Body() dto: OpenAccessReviewDto, @Req() req: AuthedRequest) {
    await this.scope.assertMaySend(req, dto.agencyCode);
    const { reviewId, agencyCode, reviewerAccountId } = dto;
    return this.send(req, dto, { type: 'OpenAccessReview', reviewId, agencyCode, reviewerAccountId });
  }

  @Post(':reviewId/findings')
  @CommandRoute({
    summary: 'Record the finding on one user account, and the action taken (要點 六(六))',
    streamId: STREAM,
    events: ['AccessReviewFindingRecorded'],
    refusals: [
      refusal('ACCESS_REVIEW_FINDING_NEEDS_ACTION'),
      refusal('ACCESS_REVIEW_FINDING_DUPLICATE'),
      refusal('ACCESS_REVIEW_ACCOUNT_OUT_OF_SCOPE'),
      CLOSED,
    ],
  })
  async recordFinding(@Param() { reviewId }: ReviewIdParam, @Body() dto: RecordFindingDto, @Req() req: AuthedRequest) {
    await this.assertMaySendFor(req, reviewId);
    const { accountId, finding, action, note } = dto;
    return this.send(req, dto, { type: 'RecordAccessReviewFinding', reviewId, accountId, finding, action, note });
  }

  @Post(':reviewId/close')
  @CommandRoute({
    summary: "Close the review once every user account on the agency's roster has a finding; kept 5 years (要點 六(六))",
    streamId: STREAM,
    events: ['AccessReviewClosed'],
    refusals: [refusal('ACCESS_REVIEW_INCOMPLETE'), CLOSED],
  })
  async close(@Param() { reviewId }: ReviewIdParam, @Body() dto: CloseAccessReviewDto, @Req() req: AuthedRequest) {
    await this.assertMaySendFor(req, reviewId);
    return this.send(req, dto, { type: 'CloseAccessReview', reviewId });
  }

  @Get(':reviewId')
  @StateRoute('An access review with its findings', AccessReviewView, ACCESS_REVIEW_VIEW_EXAMPLE)
  async get(@Param() { reviewId }: ReviewIdParam, @Req() req: AuthedRequest) {
    const view = await this.states.existing(accessReviewStreamId(reviewId), accessReviewDecider, 'access review', reviewId);
    if (view.state.status !== 'NONE') await this.scope.assertMayRead(req, view.state.agencyCode);
    return view;
  }

  private async assertMaySendFor(req: AuthedRequest, reviewId: string): Promise<void> {
    const review = await this.states.accessReview(reviewId);
    if (review.status === 'NONE') throw new NotFoundError('access review', reviewId);
    await this.scope.assertMaySend(req, review.agencyCode);
  }

  private send(req: AuthedRequest, dto: CommandDto, input: AccessReviewInput): Promise<CommandResult> {
    return this.commands.execute(new AccessReviewCommandMessage(input, envelopeOf(dto, req.principal.id)));
  }
}
