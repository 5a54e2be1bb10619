export * from './config';
export * from './event-store.factory';
export * from './personal-data.factory';
export * from './read-models.factory';
export * from './projector-thread';
