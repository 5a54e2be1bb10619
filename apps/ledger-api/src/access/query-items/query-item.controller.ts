import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { queryItemDecider, queryItemStreamId } from '@ledger/domain';
import { AuthedRequest } from '../../auth/auth.guard';
import { CommandDto, envelopeOf } from '../../common/command.dto';
import type { CommandResult } from '../../common/command-processor';
import { AccessScope } from '../shared/access-scope';
import { AccessStates } from '../shared/access-states';
import { CommandRoute, Refusal, StateRoute, refusal } from '../shared/openapi';
import { AgencyCodeParam, QueryItemParams } from '../shared/validators';
import {
  ApplyForQueryItemDto,
  GrantQueryItemDto,
  RecordBliResultDto,
  RecordUsageReviewDto,
  ReviewQueryItemDto,
  SubmitQueryItemToBliDto,
  TerminateQueryItemDto,
} from './query-item.dto';
import { QueryItemCommandMessage, QueryItemInput } from './query-item.handler';
import { QUERY_ITEM_VIEW_EXAMPLE, QueryItemView } from './query-item.view';

const STREAM = 'queryitem-SWD001.LI_ENROLMENT';
const OUT_OF_ORDER: Refusal = refusal('QUERY_ITEM_STEP_OUT_OF_ORDER');
const CLOSED: Refusal = refusal('QUERY_ITEM_CLOSED');

/**
 * 要點 三、四、五(二)、九(三): an agency's query item from application to grant, and its yearly review.
 * The competent authority reviews; the central admin files with BLI, records BLI's reply, grants,
 * reviews usage and terminates, so their integrators may send those steps for any agency.
 */
@ApiTags('query items')
@ApiSecurity('api-key')
@Controller('agencies/:agencyCode/query-items')
export class QueryItemController {
  constructor(
    private readonly commands: CommandBus,
    private readonly scope: AccessScope,
    private readonly states: AccessStates,
  ) {}

  @Post()
  @CommandRoute({
    summary: 'Apply for a query item with its legal basis, business scope and purpose (要點 四、五(二))',
    streamId: STREAM,
    events: ['QueryItemApplied'],
    refusals: [
      refusal('QUERY_ITEM_JUSTIFICATION_REQUIRED'),
      refusal('AGENCY_NOT_APPROVED_FOR_WEBIR'),
      refusal('APPLICATION_NOT_APPROVED'),
      refusal('APPLICATION_SUBJECT_MISMATCH', 'the application does not request these operation codes'),
    ],
  })
  async apply(@Param() { agencyCode }: AgencyCodeParam, @Body() dto: ApplyForQueryItemDto, @Req() req: AuthedRequest) {
    await this.scope.assertMaySend(req, agencyCode);
    const { operationCode, legalBasis, businessScope, purpose, applicationId } = dto;
    return this.send(req, dto, { type: 'ApplyForQueryItem', agencyCode, operationCode, legalBasis, businessScope, purpose, applicationId });
  }

  @Post(':operationCode/review')
  @CommandRoute({ summary: "The competent authority's review (要點 三(二)2)", streamId: STREAM, events: ['QueryItemApprovedByCompetentAuthority'], refusals: [OUT_OF_ORDER, CLOSED] })
  async review(@Param() item: QueryItemParams, @Body() dto: ReviewQueryItemDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsFor(req, 'COMPETENT_AUTHORITY', 'query item review');
    return this.send(req, dto, { type: 'ReviewQueryItem', ...item, decision: dto.decision, reason: dto.reason });
  }

  @Post(':operationCode/bli-submission')
  @CommandRoute({ summary: 'The central admin files the item with BLI (要點 三(一)2)', streamId: STREAM, events: ['QueryItemSubmittedToBli'], refusals: [OUT_OF_ORDER, CLOSED] })
  async submitToBli(@Param() item: QueryItemParams, @Body() dto: SubmitQueryItemToBliDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsFor(req, 'CENTRAL_ADMIN', 'query item');
    return this.send(req, dto, { type: 'SubmitQueryItemToBli', ...item, reference: dto.reference });
  }

  @Post(':operationCode/bli-result')
  @CommandRoute({ summary: "BLI's result, recorded by the central admin (要點 三(一)2)", streamId: STREAM, events: ['QueryItemApprovedByBli'], refusals: [OUT_OF_ORDER, CLOSED] })
  async recordBliResult(@Param() item: QueryItemParams, @Body() dto: RecordBliResultDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsFor(req, 'CENTRAL_ADMIN', 'query item');
    return this.send(req, dto, { type: 'RecordBliResult', ...item, result: dto.result, reference: dto.reference, reason: dto.reason });
  }

  @Post(':operationCode/grant')
  @CommandRoute({
    summary: 'Grant the item once its application is signed through BLI (要點 五(二))',
    streamId: STREAM,
    events: ['QueryItemGranted'],
    refusals: [OUT_OF_ORDER, refusal('APPLICATION_NOT_COMPLETE')],
  })
  async grant(@Param() item: QueryItemParams, @Body() dto: GrantQueryItemDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsFor(req, 'CENTRAL_ADMIN', 'query item');
    return this.send(req, dto, { type: 'GrantQueryItem', ...item });
  }

  @Post(':operationCode/termination')
  @CommandRoute({ summary: 'Terminate an item no longer needed (要點 九(三))', streamId: STREAM, events: ['QueryItemTerminated'], refusals: [OUT_OF_ORDER, CLOSED] })
  async terminate(@Param() item: QueryItemParams, @Body() dto: TerminateQueryItemDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsFor(req, 'CENTRAL_ADMIN', 'query item');
    return this.send(req, dto, { type: 'TerminateQueryItem', ...item, reason: dto.reason, reference: dto.reference });
  }

  @Post(':operationCode/usage-reviews')
  @CommandRoute({ summary: "The central admin's yearly usage review (要點 九(三))", streamId: STREAM, events: ['QueryItemUsageReviewed'], refusals: [OUT_OF_ORDER, CLOSED] })
  async reviewUsage(@Param() item: QueryItemParams, @Body() dto: RecordUsageReviewDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsFor(req, 'CENTRAL_ADMIN', 'query item');
    return this.send(req, dto, { type: 'RecordQueryItemUsageReview', ...item, stillNeeded: dto.stillNeeded, note: dto.note });
  }

  @Get(':operationCode')
  @StateRoute("One of an agency's query items: its status in the approval chain, justification and round", QueryItemView, QUERY_ITEM_VIEW_EXAMPLE)
  async get(@Param() { agencyCode, operationCode }: QueryItemParams, @Req() req: AuthedRequest) {
    await this.scope.assertMayRead(req, agencyCode);
    return this.states.existing(queryItemStreamId(agencyCode, operationCode), queryItemDecider, 'query item', `${agencyCode}.${operationCode}`);
  }

  private send(req: AuthedRequest, dto: CommandDto, input: QueryItemInput): Promise<CommandResult> {
    return this.commands.execute(new QueryItemCommandMessage(input, envelopeOf(dto, req.principal.id)));
  }
}
