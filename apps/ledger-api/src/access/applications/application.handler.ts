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

/** Records that a response confirmed a person already known to the ledger (a personal-data read). */
export interface ExistingHolderReads {
  confirmed(input: { actor: string; agencyCode: string; accountId: string; applicationId: string }): Promise<void>;
}
export const EXISTING_HOLDER_READS = Symbol('EXISTING_HOLDER_READS');

export class ApplicationCommandMessage extends StreamCommandMessage<ApplicationInput> {}

@CommandHandler(ApplicationCommandMessage)
export class ApplicationCommandHandler implements ICommandHandler<ApplicationCommandMessage, ApplicationResult> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(PERSONAL_DATA) private readonly protector: PersonalDataProtector,
    @Inject(EXISTING_HOLDER_READS) private readonly reads: ExistingHolderReads,
  ) {}

  async execute({ input, envelope }: ApplicationCommandMessage): Promise<ApplicationResult> {
    const { command, known } = await this.resolveHolder(input);
    const result = await this.processor.execute({ streamId: applicationStreamId(input.applicationId), decider: applicationDecider, request: command, createsStream: command.type === 'SubmitApplication' }, envelope);
    if (command.type !== 'SubmitApplication' || !command.accountId || !('holder' in input && input.holder)) return result;
    // The id of an account the person already had tells the caller that person is known here.
    if (known && !result.replayed) {
      await this.reads.confirmed({ actor: envelope.actor, agencyCode: command.agencyCode, accountId: command.accountId, applicationId: command.applicationId });
    }
    return { ...result, accountId: command.accountId };
  }

  private async resolveHolder(input: ApplicationInput): Promise<{ command: ApplicationCommand; known: boolean }> {
    if (input.type !== 'SubmitApplication') return { command: input, known: false };
    const { holder, ...command } = input;
    if (!holder) return { command, known: false };
    const kind = ACCOUNT_KIND_OF[command.kind];
    if (!kind) throw new ValidationError('holder', `does not apply to ${command.kind}`);
    if (command.accountId !== undefined) throw new ValidationError('holder', 'give either accountId or holder, not both');
    // The account key is random, reserved in the vault's blind index: nothing about the ID can be read from it.
    const { personId } = await this.protector.resolvePerson(holder.nationalId);
    const { key, known } = await this.protector.accountKey(personId, command.agencyCode, kind);
    return { command: { ...command, accountId: accountIdOf(command.agencyCode, kind, key) }, known };
  }
}
