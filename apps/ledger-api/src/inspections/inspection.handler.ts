import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { InspectionCommand, inspectionDecider, inspectionStreamId, KnownCheckpoints, WebIRServiceCommand, webirServiceDecider, webirServiceStreamId } from '@ledger/domain';
import { readLoggedCheckpoints, type EventStore } from '@ledger/event-store';
import { CommandProcessor, CommandResult } from '../common/command-processor';
import { EVENT_STORE } from '../infrastructure/event-store.provider';
import { StreamCommandMessage } from '../access/shared/client-command';

type WithoutCheckpoints<C> = C extends { knownCheckpoints: KnownCheckpoints } ? Omit<C, 'knownCheckpoints'> : C;
/** An inspection command as a client sends it: the handler adds the checkpoints the ledger has signed. */
export type InspectionInput = WithoutCheckpoints<InspectionCommand>;

export class InspectionCommandMessage extends StreamCommandMessage<InspectionInput> {}
export class WebIRServiceCommandMessage extends StreamCommandMessage<WebIRServiceCommand> {}

@CommandHandler(InspectionCommandMessage)
export class InspectionCommandHandler implements ICommandHandler<InspectionCommandMessage, CommandResult> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async execute({ input, envelope }: InspectionCommandMessage): Promise<CommandResult> {
    return this.processor.execute({ streamId: inspectionStreamId(input.inspectionId), decider: inspectionDecider, request: input, command: () => this.load(input) }, envelope);
  }

  private async load(input: InspectionInput): Promise<InspectionCommand> {
    if (input.type !== 'RecordBliInspection' && input.type !== 'ProvideInspectionMaterials') return input;
    // 要點 十二(五): materials name a checkpoint this ledger signed; a parse failure yields size -1, never matched.
    const knownCheckpoints: Record<number, string> = {};
    for (const c of await readLoggedCheckpoints(this.store)) if (c.size > 0) knownCheckpoints[c.size] = c.rootHash.toString('base64');
    return { ...input, knownCheckpoints };
  }
}

@CommandHandler(WebIRServiceCommandMessage)
export class WebIRServiceCommandHandler implements ICommandHandler<WebIRServiceCommandMessage, CommandResult> {
  constructor(private readonly processor: CommandProcessor) {}

  async execute({ input, envelope }: WebIRServiceCommandMessage): Promise<CommandResult> {
    return this.processor.execute({ streamId: webirServiceStreamId(input.agencyCode), decider: webirServiceDecider, request: input }, envelope);
  }
}
