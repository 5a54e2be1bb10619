/** The offline verifier alone: no store, no key vault, no framework. */
export * from './verify-package';
export { extractPdfText } from './pdf-text';
export { readZip } from './read-zip';
export * from './report';
