import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  ACCOUNT_KIND_OF,
  accountIdOf,
  ApplicationCommand,
  applicationDecider,
  applicationStreamId,
  ApproveApplicationStep,
  RejectApplicationStep,
  SubmitApplication,
  ValidationError,
} from '@ledger/domain';
import type { PersonalDataProtector } from '@ledger/personal-data';
import { CommandProcessor, CommandResult } from '../../common/command-processor';
import { PERSONAL_DATA } from '../../infrastructure/event-store.provider';
import { StreamCommandMessage } from '../shared/client-command';

/** An add form names an account that does not exist yet; the client names its holder instead. */
export type SubmitApplicationInput = SubmitApplication & { holder?: { nationalId: string } };
export type ApplicationInput = SubmitApplicationInput | ApproveApplicationStep | RejectApplicationStep;
export type ApplicationResult = CommandResult & { accountId?: string };

export class ApplicationCommandMessage extends StreamCommandMessage<ApplicationInput> {}

@CommandHandler(ApplicationCommandMessage)
export class ApplicationCommandHandler implements ICommandHandler<ApplicationCommandMessage, ApplicationResult> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(PERSONAL_DATA) private readonly protector: PersonalDataProtector,
  ) {}

  async execute({ input, envelope }: ApplicationCommandMessage): Promise<ApplicationResult> {
    const command = this.resolveHolder(input);
    const result = await this.processor.execute({ streamId: applicationStreamId(input.applicationId), decider: applicationDecider, request: command }, envelope);
    return command.type === 'SubmitApplication' && command.accountId ? { ...result, accountId: command.accountId } : result;
  }

  private resolveHolder(input: ApplicationInput): ApplicationCommand {
    if (input.type !== 'SubmitApplication') return input;
    const { holder, ...command } = input;
    if (!holder) return command;
    const kind = ACCOUNT_KIND_OF[command.kind];
    if (!kind) throw new ValidationError('holder', `does not apply to ${command.kind}`);
    if (command.accountId !== undefined) throw new ValidationError('holder', 'give either accountId or holder, not both');
    // Only the ledger can derive the id: it is keyed by the server's hash of the national ID.
    return { ...command, accountId: accountIdOf(command.agencyCode, kind, this.protector.lookupKey(holder.nationalId)) };
  }
}
