import { assertActNotBeforeSubject, assertBusinessTime, assertNotInFuture, beganAt, TimedEvent } from './business-time';
import { businessTimeOf } from './calendar';
import { expectCodedError } from '../../testing/given-when-then';

const at = (occurredAt: string, type = 'Something'): TimedEvent => ({ type, data: {}, metadata: { occurredAt } });
const NOW = new Date('2025-07-01T02:00:00.000Z');
const FIVE_MINUTES = 5 * 60_000;

describe('business time (要點 十二(五): the records BLI inspects show acts when they happened)', () => {
  describe('a fact with an effective date enters the business timeline on that Taipei day (要點 六(四)(五))', () => {
    it('given a post change reported 03-15 effective 03-31, its business time is 03-31 00:00 +08:00', () => {
      expect(businessTimeOf({ effectiveDate: '2025-03-31' }, '2025-03-15T01:00:00.000Z')).toBe('2025-03-30T16:00:00.000Z');
    });
    it('given a post change reported after its effective date, its business time is still the effective date', () => {
      expect(businessTimeOf({ effectiveDate: '2025-03-10' }, '2025-03-15T01:00:00.000Z')).toBe('2025-03-09T16:00:00.000Z');
    });
    it('given a fact without an effective date, its business time is when it occurred', () => {
      expect(businessTimeOf({ reason: 'x' }, '2025-03-15T01:00:00.000Z')).toBe('2025-03-15T01:00:00.000Z');
    });
  });

  describe('an act cannot be dated before the thing it acts on began', () => {
    const created = [at('2025-02-01T01:00:00.000Z', 'AccountCreated'), at('2025-02-03T01:00:00.000Z')];
    it('given an account created 2025-02-01, when it is disabled dated 2025-01-15, then ACT_BEFORE_SUBJECT_BEGAN', () => {
      expectCodedError(() => assertActNotBeforeSubject(created, new Date('2025-01-15T01:00:00.000Z')), 'ACT_BEFORE_SUBJECT_BEGAN', '要點 十二(五)');
    });
    it('given an account created 2025-02-01, when it is disabled dated 2025-02-01 at the same instant or later, then it is accepted', () => {
      expect(() => assertActNotBeforeSubject(created, new Date('2025-02-01T01:00:00.000Z'))).not.toThrow();
      expect(() => assertActNotBeforeSubject(created, new Date('2025-02-02T01:00:00.000Z'))).not.toThrow();
    });
    it('given a deleted account created again on 2025-05-01, an act dated 2025-04-01 is before the current incarnation began', () => {
      const recreated = [...created, at('2025-03-01T01:00:00.000Z', 'AccountDeleted'), at('2025-05-01T01:00:00.000Z', 'AccountCreated')];
      expect(beganAt(recreated)).toBe('2025-05-01T01:00:00.000Z');
      expectCodedError(() => assertActNotBeforeSubject(recreated, new Date('2025-04-01T01:00:00.000Z')), 'ACT_BEFORE_SUBJECT_BEGAN');
    });
    it('given no history (a creation), nothing is checked', () => {
      expect(() => assertActNotBeforeSubject([], new Date('1999-01-01T00:00:00.000Z'))).not.toThrow();
    });
  });

  describe('occurredAt may not lie in the future beyond the tolerance', () => {
    it('given a tolerance of 5 minutes, when occurredAt is 2099, then OCCURRED_AT_IN_FUTURE', () => {
      expectCodedError(() => assertNotInFuture(new Date('2099-01-01T00:00:00.000Z'), NOW, FIVE_MINUTES), 'OCCURRED_AT_IN_FUTURE', '要點 十二(五)');
    });
    it('given a tolerance of 5 minutes, when occurredAt is 5 minutes ahead, then it is accepted; 5 minutes and 1 ms is not', () => {
      expect(() => assertNotInFuture(new Date(NOW.getTime() + FIVE_MINUTES), NOW, FIVE_MINUTES)).not.toThrow();
      expectCodedError(() => assertNotInFuture(new Date(NOW.getTime() + FIVE_MINUTES + 1), NOW, FIVE_MINUTES), 'OCCURRED_AT_IN_FUTURE');
    });
    it('both checks run together', () => {
      expectCodedError(() => assertBusinessTime([at('2025-02-01T00:00:00.000Z')], new Date('2025-01-01T00:00:00.000Z'), NOW, 0), 'ACT_BEFORE_SUBJECT_BEGAN');
      expect(() => assertBusinessTime([at('2025-02-01T00:00:00.000Z')], NOW, NOW, 0)).not.toThrow();
    });
  });
});
