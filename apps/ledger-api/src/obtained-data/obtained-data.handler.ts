import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  ObtainedDataCommand,
  obtainedDataDecider,
  obtainedDataStreamId,
  queryRegistrationDecider,
  queryRegistrationStreamId,
  fold,
  upcastAll,
  type QueryRegistrationEvent,
} from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { CommandProcessor, CommandResult } from '../common/command-processor';
import { EVENT_STORE } from '../infrastructure/event-store.provider';
import { StreamCommandMessage } from '../access/shared/client-command';

/** A command as a client sends it: the handler adds the registrations' agencies and the configured deletion period. */
export type ObtainedDataInput =
  | Omit<Extract<ObtainedDataCommand, { type: 'RecordObtainedData' }>, 'registrationAgencies'>
  | Exclude<ObtainedDataCommand, { type: 'RecordObtainedData' | 'EndObtainedDataUse' }>
  | Omit<Extract<ObtainedDataCommand, { type: 'EndObtainedDataUse' }>, 'deleteWithinDays'>;

export class ObtainedDataCommandMessage extends StreamCommandMessage<ObtainedDataInput> {}

@CommandHandler(ObtainedDataCommandMessage)
export class ObtainedDataCommandHandler implements ICommandHandler<ObtainedDataCommandMessage, CommandResult> {
  constructor(
    private readonly processor: CommandProcessor,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async execute({ input, envelope }: ObtainedDataCommandMessage): Promise<CommandResult> {
    return this.processor.execute(
      { streamId: obtainedDataStreamId(input.recordId), decider: obtainedDataDecider, request: input, command: () => this.load(input) },
      envelope,
    );
  }

  private async load(input: ObtainedDataInput): Promise<ObtainedDataCommand> {
    switch (input.type) {
      case 'RecordObtainedData':
        return { ...input, registrationAgencies: await this.registrationAgencies(input.registrationIds) };
      case 'EndObtainedDataUse':
        // 要點 十一(二): decided once into the event; a later change of the setting never re-judges it.
        return { ...input, deleteWithinDays: this.config.deadlines.deleteObtainedDataDays };
      default:
        return input;
    }
  }

  /** Each registration is its own one-event stream; a missing one maps to null. */
  private async registrationAgencies(ids: string[]): Promise<Record<string, string | null>> {
    const out: Record<string, string | null> = {};
    for (const id of new Set(ids)) {
      let agency: string | null = null;
      try {
        const state = fold(queryRegistrationDecider, upcastAll(await this.store.readStream(queryRegistrationStreamId(id))) as unknown as QueryRegistrationEvent[]);
        agency = state.status === 'REGISTERED' ? state.agencyCode : null;
      } catch {
        // An id that cannot name a stream names no registration: the decider refuses it by rule.
        agency = null;
      }
      out[id] = agency;
    }
    return out;
  }
}
