import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { AgencyCommand, agencyDecider, agencyStreamId, RegisterAgency } from '@ledger/domain';
import { CommandProcessor, CommandResult } from '../../common/command-processor';
import { StreamCommandMessage } from '../shared/client-command';

/** Registration has its own route in agencies/; these are the later steps of an agency's stream. */
export type AgencyInput = Exclude<AgencyCommand, RegisterAgency>;

export class AgencyCommandMessage extends StreamCommandMessage<AgencyInput> {}

@CommandHandler(AgencyCommandMessage)
export class AgencyCommandHandler implements ICommandHandler<AgencyCommandMessage, CommandResult> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  execute({ input, envelope }: AgencyCommandMessage): Promise<CommandResult> {
    // The configured (only ever stricter) BLI-notice period is decided into the event, once.
    const command = () => (input.type === 'DesignateAgencyPersonnel' ? { ...input, bliNoticeDays: this.config.deadlines.bliNoticeDays } : input);
    return this.processor.execute({ streamId: agencyStreamId(input.agencyCode), decider: agencyDecider, request: input, command }, envelope);
  }
}
