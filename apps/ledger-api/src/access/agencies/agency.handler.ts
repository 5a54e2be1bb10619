import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { AgencyCommand, agencyDecider, agencyStreamId, RegisterAgency } from '@ledger/domain';
import { CommandProcessor, CommandResult } from '../../common/command-processor';
import { StreamCommandMessage } from '../shared/client-command';

/** Registration has its own route in agencies/; these are the later steps of an agency's stream. */
export type AgencyInput = Exclude<AgencyCommand, RegisterAgency>;

export class AgencyCommandMessage extends StreamCommandMessage<AgencyInput> {}

@CommandHandler(AgencyCommandMessage)
export class AgencyCommandHandler implements ICommandHandler<AgencyCommandMessage, CommandResult> {
  constructor(private readonly processor: CommandProcessor) {}

  execute({ input, envelope }: AgencyCommandMessage): Promise<CommandResult> {
    return this.processor.execute({ streamId: agencyStreamId(input.agencyCode), decider: agencyDecider, request: input }, envelope);
  }
}
