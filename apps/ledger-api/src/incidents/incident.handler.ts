import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { IncidentCommand, incidentDecider, incidentStreamId } from '@ledger/domain';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { CommandProcessor, CommandResult } from '../common/command-processor';
import { StreamCommandMessage } from '../access/shared/client-command';

/** A command as a client sends it: the handler adds the configured notice period. */
export type IncidentInput = IncidentCommand extends infer C ? (C extends { type: 'ReportIncident' } ? Omit<C, 'noticeMinutes'> : C) : never;

export class IncidentCommandMessage extends StreamCommandMessage<IncidentInput> {}

@CommandHandler(IncidentCommandMessage)
export class IncidentCommandHandler implements ICommandHandler<IncidentCommandMessage, CommandResult> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async execute({ input, envelope }: IncidentCommandMessage): Promise<CommandResult> {
    // 要點 十二(十): the notice period is decided into the event once; a later setting never re-judges it.
    const command = (): IncidentCommand => (input.type === 'ReportIncident' ? { ...input, noticeMinutes: this.config.deadlines.incidentNoticeMinutes } : input);
    return this.processor.execute({ streamId: incidentStreamId(input.incidentId), decider: incidentDecider, request: input, command }, envelope);
  }
}
