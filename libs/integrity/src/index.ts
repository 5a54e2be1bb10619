export * from './merkle';
export * from './note';
export * from './proofs';
export * from './witness';
export * from './batch-proofs';
export * from './word-tree';
