import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AccountCommand, accountDecider, AccountKind, accountIdOf, AccountState, accountStreamId, requireAccountId } from '@ledger/domain';
import type { PersonalDataInput, PersonalDataProtector } from '@ledger/personal-data';
import { CommandProcessor, CommandResult } from '../../common/command-processor';
import { PERSONAL_DATA } from '../../infrastructure/event-store.provider';
import { AccessStates } from '../shared/access-states';
import { ClientCommand, StreamCommandMessage } from '../shared/client-command';


export interface CreateAccountInput {
  agencyCode: string;
  kind: AccountKind;
  applicationId: string;
  /** Plaintext: lives only in this message, never in an event, a log or an error. */
  holder: PersonalDataInput & { name: string };
  myEGovAccountId: string;
  certificateBound: boolean;
  post: string;
  unit: string;
}
export type CreatedAccountResult = CommandResult & { accountId: string; personId: string };

export class CreateAccountMessage extends StreamCommandMessage<CreateAccountInput> {}

@CommandHandler(CreateAccountMessage)
export class CreateAccountHandler implements ICommandHandler<CreateAccountMessage, CreatedAccountResult> {
  constructor(
    private readonly processor: CommandProcessor,
    private readonly states: AccessStates,
    @Inject(PERSONAL_DATA) private readonly protector: PersonalDataProtector,
  ) {}

  /**
   * One random person id per natural person, the same at every agency (one data key covers all of
   * a person's accounts and erasing it shreds them together, 要點 十一), and one random account key
   * per person, agency and kind: both come from the vault's blind index, never from the ID itself.
   */
  async execute({ input, envelope }: CreateAccountMessage): Promise<CreatedAccountResult> {
    const { holder: plaintext, myEGovAccountId, ...rest } = input;
    const { personId } = await this.protector.resolvePerson(plaintext.nationalId);
    const { key } = await this.protector.accountKey(personId, input.agencyCode, input.kind);
    const { nationalIdCiphertext, nameCiphertext, myEGovAccountIdCiphertext } = await this.protector.protect(personId, { ...plaintext, myEGovAccountId });
    const holder = { personId, holderKey: key, nationalIdCiphertext, nameCiphertext };
    const accountId = accountIdOf(input.agencyCode, input.kind, key);
    // The fingerprint names the holder by the random ids only: not the plaintext, not its (randomised)
    // ciphertext, and not the MyEGov account id, whose plain hash would be guessable.
    const request = { type: 'CreateAccount' as const, ...rest, accountId, personId };
    // The MyEGov account id names the person: the event carries it sealed under their data key.
    const command = async () => ({
      type: 'CreateAccount' as const,
      ...rest,
      myEGovAccountId: myEGovAccountIdCiphertext!,
      accountId,
      holder,
      application: await this.states.application(input.applicationId),
    });
    const result = await this.processor.execute({ streamId: accountStreamId(accountId), decider: accountDecider, request, command, createsStream: true }, envelope);
    return { ...result, accountId, personId };
  }
}

export type AccountInput = Exclude<ClientCommand<AccountCommand>, { type: 'CreateAccount' }>;

export class AccountCommandMessage extends StreamCommandMessage<AccountInput> {}

@CommandHandler(AccountCommandMessage)
export class AccountCommandHandler implements ICommandHandler<AccountCommandMessage, CommandResult> {
  constructor(
    private readonly processor: CommandProcessor,
    private readonly states: AccessStates,
  ) {}

  async execute({ input, envelope }: AccountCommandMessage): Promise<CommandResult> {
    const streamId = accountStreamId(input.accountId);
    return this.processor.execute({ streamId, decider: accountDecider, request: input, command: (account) => this.load(input, account) }, envelope);
  }

  /** `account` is the command's own stream, already read by the processor. */
  private async load(input: AccountInput, account: AccountState): Promise<AccountCommand> {
    switch (input.type) {
      case 'GrantAccountQueryItems': {
        const { agencyCode } = requireAccountId(input.accountId);
        const agencyQueryItems = await Promise.all(input.operationCodes.map((code) => this.states.queryItem(agencyCode, code)));
        return { ...input, agencyQueryItems, application: await this.states.application(input.applicationId) };
      }
      case 'DisableAccount': {
        // 要點 六(四): an administrator handing over is disabled only once the successor named by the post change is active.
        const successorId = account.status === 'ACTIVE' ? account.pendingPostChange?.successorAccountId : null;
        return successorId ? { ...input, successor: await this.states.account(successorId) } : input;
      }
      case 'DeleteAccount':
        return { ...input, application: await this.states.application(input.applicationId) };
      default:
        return input;
    }
  }
}
