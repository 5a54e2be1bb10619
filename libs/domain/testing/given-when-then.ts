import { Decider, DecisionContext, DomainEvent, fold } from '../src/core/decider';
import { DomainRuleError, NotFoundError, ValidationError } from '../src/core/domain-error';

export const TEST_CONTEXT: DecisionContext = {
  now: new Date('2025-07-01T02:00:00.000Z'),
  occurredAt: new Date('2025-07-01T01:00:00.000Z'),
  actor: 'test-actor',
};

/**
 * given([events]).when(command).then([events]) / .thenThrows(code, rule?) — tests that read like the rules.
 * Only for tests: kept out of libs/domain/src so production code cannot reach it (the dependency
 * rules check it); other libraries' tests import it as `@ledger/domain/testing/given-when-then`.
 */
export function givenFor<C, E extends DomainEvent, S>(decider: Decider<C, E, S>) {
  return (history: E[], context: Partial<DecisionContext> = {}) => ({
    when: (command: C) => {
      const run = () => decider.decide(command, fold(decider, history), { ...TEST_CONTEXT, ...context });
      return {
        then: (expected: E[]) => expect(run()).toEqual(expected),
        thenThrows: (code: string, rule?: string) => expectCodedError(run, code, rule),
      };
    },
  });
}

/** Asserts `run` throws one of the domain's coded errors; `rule` (when given) must match the 要點 cited. */
export function expectCodedError(run: () => unknown, code: string, rule?: string): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  const coded = caught instanceof DomainRuleError || caught instanceof NotFoundError || caught instanceof ValidationError;
  expect(coded ? caught : { notACodedError: caught }).toMatchObject({ code });
  if (rule !== undefined) expect((caught as DomainRuleError).rule).toBe(rule);
}
