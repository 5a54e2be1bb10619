import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiSecurity, ApiTags } from '@nestjs/swagger';
import { accountDecider, AccountKind, accountStreamId, requireAccountId } from '@ledger/domain';
import { AuthedRequest } from '../../auth/auth.guard';
import { CommandDto, envelopeOf } from '../../common/command.dto';
import type { CommandResult } from '../../common/command-processor';
import { AccessScope } from '../shared/access-scope';
import { AccessStates } from '../shared/access-states';
import { CommandRoute, Refusal, StateRoute, refusal } from '../shared/openapi';
import { AccountIdParam, EXAMPLE_PERSON_ID, EXAMPLE_USER_ACCOUNT_ID } from '../shared/validators';
import {
  ChangeAccountHolderDto,
  CreateAccountDto,
  DeleteAccountDto,
  DisableAccountDto,
  GrantAccountQueryItemsDto,
  RecordPostChangeDto,
  RevokeAccountQueryItemsDto,
} from './account.dto';
import { AccountCommandMessage, AccountInput, CreateAccountMessage, CreatedAccountResult } from './account.handler';
import { ACCOUNT_VIEW_EXAMPLE, AccountView, CreatedAccountView } from './account.view';

const STREAM = `account-${EXAMPLE_USER_ACCOUNT_ID}`;
const NOT_ACTIVE: Refusal = refusal('ACCOUNT_NOT_ACTIVE');

/**
 * 要點 五、六: accounts from creation to deletion. The central admin adds and removes administrator
 * accounts (要點 三(一)1), so its integrators may also act on any agency's ADMIN accounts.
 */
@ApiTags('accounts')
@ApiSecurity('api-key')
@Controller('accounts')
export class AccountController {
  constructor(
    private readonly commands: CommandBus,
    private readonly scope: AccessScope,
    private readonly states: AccessStates,
  ) {}

  @Post()
  @CommandRoute({
    summary: 'Create an account for one natural person from a completed add form (要點 五、六(一)); the holder is stored only as a keyed hash and ciphertexts',
    streamId: STREAM,
    events: ['AccountCreated'],
    refusals: [
      refusal('APPLICATION_NOT_COMPLETE'),
      refusal('ONE_ACCOUNT_PER_PERSON'),
      refusal('CERTIFICATE_NOT_BOUND'),
      refusal('APPLICATION_SUBJECT_MISMATCH'),
      refusal('APPLICATION_ALREADY_USED'),
    ],
    result: CreatedAccountView,
    resultExtras: { accountId: EXAMPLE_USER_ACCOUNT_ID, personId: EXAMPLE_PERSON_ID },
  })
  async create(@Body() dto: CreateAccountDto, @Req() req: AuthedRequest): Promise<CreatedAccountResult> {
    // 要點 三(一)1: administrator accounts are created by the central admin, user accounts by the agency.
    if (dto.kind === 'ADMIN') await this.scope.assertActsFor(req, 'CENTRAL_ADMIN', 'administrator account');
    else await this.scope.assertMaySend(req, dto.agencyCode);
    const { agencyCode, kind, applicationId, holder, myEGovAccountId, certificateBound, post, unit } = dto;
    const input = { agencyCode, kind, applicationId, holder: { nationalId: holder.nationalId, name: holder.name }, myEGovAccountId, certificateBound, post, unit };
    return this.commands.execute(new CreateAccountMessage(input, envelopeOf(dto, req.principal.id)));
  }

  @Post(':accountId/query-items')
  @CommandRoute({
    summary: "Grant a user account query items among the agency's, on a signed USER_QUERY_ITEM_CHANGE form (要點 四、五(二))",
    streamId: STREAM,
    events: ['AccountQueryItemsGranted'],
    refusals: [
      refusal('QUERY_ITEMS_NOT_GRANTED_TO_AGENCY'),
      refusal('QUERY_ITEMS_USER_ACCOUNTS_ONLY'),
      refusal('APPLICATION_NOT_COMPLETE'),
      NOT_ACTIVE,
    ],
  })
  async grant(@Param() { accountId }: AccountIdParam, @Body() dto: GrantAccountQueryItemsDto, @Req() req: AuthedRequest) {
    await this.assertMaySendFor(req, accountId);
    return this.send(req, dto, { type: 'GrantAccountQueryItems', accountId, operationCodes: dto.operationCodes, applicationId: dto.applicationId });
  }

  @Post(':accountId/query-item-revocations')
  @CommandRoute({
    summary: 'Revoke query items (least privilege, 要點 六(五)(六)); meets a pending post-change duty',
    streamId: STREAM,
    events: ['AccountQueryItemsRevoked'],
    refusals: [refusal('QUERY_ITEMS_NOT_HELD'), NOT_ACTIVE],
  })
  async revoke(@Param() { accountId }: AccountIdParam, @Body() dto: RevokeAccountQueryItemsDto, @Req() req: AuthedRequest) {
    await this.assertMaySendFor(req, accountId);
    return this.send(req, dto, { type: 'RevokeAccountQueryItems', accountId, operationCodes: dto.operationCodes, reason: dto.reason });
  }

  @Post(':accountId/post-changes')
  @CommandRoute({
    summary: "The holder changes post: opens the duty to adjust or disable the account by the effective date (要點 六(四)(五))",
    streamId: STREAM,
    events: ['AccountPostChanged'],
    refusals: [
      refusal('POST_CHANGE_PENDING'),
      refusal('HANDOVER_SUCCESSOR_REQUIRED'),
      refusal('HANDOVER_SUCCESSOR_INVALID'),
    ],
  })
  async changePost(@Param() { accountId }: AccountIdParam, @Body() dto: RecordPostChangeDto, @Req() req: AuthedRequest) {
    await this.assertMaySendFor(req, accountId);
    const { effectiveDate, newPost, newUnit, successorAccountId } = dto;
    return this.send(req, dto, { type: 'RecordAccountPostChange', accountId, effectiveDate, newPost, newUnit, successorAccountId });
  }

  @Post(':accountId/disable')
  @CommandRoute({
    summary: "Disable an account; an administrator handing over only once the successor's account is active (要點 六(四))",
    streamId: STREAM,
    events: ['AccountDisabled'],
    refusals: [
      refusal('HANDOVER_SUCCESSOR_NOT_ACTIVE'),
      NOT_ACTIVE,
    ],
  })
  async disable(@Param() { accountId }: AccountIdParam, @Body() dto: DisableAccountDto, @Req() req: AuthedRequest) {
    await this.assertMaySendFor(req, accountId);
    return this.send(req, dto, { type: 'DisableAccount', accountId, reason: dto.reason });
  }

  @Post(':accountId/delete')
  @CommandRoute({
    summary: 'Delete an account on a completed remove form (要點 五(二)); it may be created again only by a new add form',
    streamId: STREAM,
    events: ['AccountDeleted'],
    refusals: [refusal('APPLICATION_NOT_COMPLETE'), NOT_ACTIVE],
  })
  async delete(@Param() { accountId }: AccountIdParam, @Body() dto: DeleteAccountDto, @Req() req: AuthedRequest) {
    const { agencyCode, kind } = requireAccountId(accountId);
    // 要點 三(一)1: the central admin also removes administrator accounts.
    if (kind === 'ADMIN') await this.scope.assertActsFor(req, 'CENTRAL_ADMIN', 'administrator account');
    else await this.scope.assertMaySend(req, agencyCode);
    return this.send(req, dto, { type: 'DeleteAccount', accountId, reason: dto.reason, applicationId: dto.applicationId });
  }

  @Post(':accountId/holder-changes')
  @CommandRoute({
    summary: 'Always refused: an account is never handed to another person (要點 六(一)); the holder leaves, a new account is created',
    streamId: STREAM,
    events: [],
    refusals: [refusal('ACCOUNT_NOT_TRANSFERABLE')],
  })
  async changeHolder(@Param() { accountId }: AccountIdParam, @Body() dto: ChangeAccountHolderDto, @Req() req: AuthedRequest) {
    await this.assertMaySendFor(req, accountId);
    return this.send(req, dto, { type: 'ChangeAccountHolder', accountId, personId: dto.personId });
  }

  @Get(':accountId')
  @StateRoute('An account: status, post, query items and any open post-change duty; the holder only as a pseudonymous id', AccountView, ACCOUNT_VIEW_EXAMPLE)
  async get(@Param() { accountId }: AccountIdParam, @Req() req: AuthedRequest) {
    await this.scope.assertMayRead(req, requireAccountId(accountId).agencyCode);
    return this.states.existing(accountStreamId(accountId), accountDecider, 'account', accountId);
  }

  private assertMaySendFor(req: AuthedRequest, accountId: string): Promise<void> {
    const { agencyCode, kind } = requireAccountId(accountId);
    return this.assertMaySend(req, agencyCode, kind);
  }

  private assertMaySend(req: AuthedRequest, agencyCode: string, kind: AccountKind): Promise<void> {
    return kind === 'ADMIN' ? this.scope.assertMaySendOrActFor(req, agencyCode, 'CENTRAL_ADMIN') : this.scope.assertMaySend(req, agencyCode);
  }

  private send(req: AuthedRequest, dto: CommandDto, input: AccountInput): Promise<CommandResult> {
    return this.commands.execute(new AccountCommandMessage(input, envelopeOf(dto, req.principal.id)));
  }
}
