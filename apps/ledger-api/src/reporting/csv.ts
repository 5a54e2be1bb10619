/** The CSV writer lives with the inspection package, which the CLI also runs; the API shares it. */
export { toCsv } from '@ledger/package/csv';
