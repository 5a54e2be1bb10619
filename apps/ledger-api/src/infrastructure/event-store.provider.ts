export { createEventStore, type Clock } from '@ledger/platform';

export const EVENT_STORE = Symbol('EVENT_STORE');
export const CLOCK = Symbol('CLOCK');
