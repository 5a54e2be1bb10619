export * from './external-stores';
