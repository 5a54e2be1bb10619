/**
 * The write side is pure: decide(command, state, context) -> events; evolve(state, event) -> state.
 * No Nest, no I/O and no clock here; the handler passes `now` in.
 */
export interface DomainEvent<T extends string = string, D extends object = object> {
  type: T;
  data: D;
}

export interface DecisionContext {
  /** Ledger clock at the time of the decision. */
  now: Date;
  /** When the command says the fact happened in the world. */
  occurredAt: Date;
  /** Principal sending the command. */
  actor: string;
}

export interface Decider<C, E extends DomainEvent, S> {
  initialState(): S;
  evolve(state: S, event: E): S;
  decide(command: C, state: S, context: DecisionContext): E[];
}

export function fold<E extends DomainEvent, S>(decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>, events: E[]): S {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}
