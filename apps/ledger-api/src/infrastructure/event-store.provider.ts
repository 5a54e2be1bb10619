export { createEventStore, type Clock } from '@ledger/platform';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const CLOCK = Symbol('CLOCK');
/** The PersonalDataProtector: keyed hashes for lookup, per-person encryption for content. */
export const PERSONAL_DATA = Symbol('PERSONAL_DATA');
export const READ_MODELS = Symbol('READ_MODELS');
export const PROJECTION_RUNNERS = Symbol('PROJECTION_RUNNERS');
