export * from './external-stores';
export * from './file-size';
