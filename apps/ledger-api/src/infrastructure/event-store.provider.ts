export { createEventStore, type Clock } from '@ledger/platform';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const CLOCK = Symbol('CLOCK');
/** The PersonalDataProtector: keyed hashes for lookup, per-person encryption for content. */
export const PERSONAL_DATA = Symbol('PERSONAL_DATA');
