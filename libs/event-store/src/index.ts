export * from './types';
export * from './errors';
export * from './integrity';
export * from './verifier';
export * from './catch-up-subscription';
export * from './sqlite/sqlite-event-store';
export type { KurrentDbEventStoreOptions } from './kurrentdb/kurrentdb-event-store';
export * from './checkpoints';
export { leaveCheckpointsElsewhere, startWalCheckpointer, type WalCheckpointer, type WalCheckpointerOptions } from './sqlite/wal-checkpointer';
