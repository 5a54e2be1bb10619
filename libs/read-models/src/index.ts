export * from './types';
export { ReadModelRequestError } from './documents';
export * from './projection';
export * from './project-events';
export * from './projection-runner';
export * from './testing';
export * from './sqlite/sqlite-read-model-store';
// The MongoDB adapter is imported from '@ledger/read-models/mongo/mongo-read-model-store' so that
// the embedded default does not load the driver.
