export * from './config';
export * from './event-store.factory';
