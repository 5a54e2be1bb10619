export * from './format';
export * from './membership';
export * from './csv';
export * from './sections';
export * from './report-text';
export * from './generate/generate-package';
export * from './verify';
