import type { CommandEnvelope } from '../../common/command-processor';

/** The deciders' `…State` inputs: the handler folds them from other streams, clients never send them. */
export type LoadedField = 'application' | 'agency' | 'agencyQueryItems' | 'successor' | 'reviewer' | 'rosterAccountIds';

/** A domain command as a client sends it: without the fields its handler loads. */
export type ClientCommand<C> = C extends unknown ? Omit<C, LoadedField> : never;

/** One CommandBus message class per stream type; the handler loads what the command needs and decides. */
export abstract class StreamCommandMessage<I> {
  constructor(
    readonly input: I,
    readonly envelope: CommandEnvelope,
  ) {}
}
