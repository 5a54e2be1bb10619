import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { createApp } from './bootstrap';

async function main() {
  const app = await createApp();
  const config = app.get<LedgerConfig>(LEDGER_CONFIG);
  await app.listen(config.port);
  new Logger('Ledger').log(
    `listening on http://localhost:${config.port} (OpenAPI UI at /docs), store: ${config.eventStoreUrl ? 'EventStoreDB' : `embedded SQLite in ${config.dataDir}`}`,
  );
}

main().catch((error: unknown) => {
  // A bad variable is an operator's mistake, not a crash: one line naming it, no stack trace.
  if (error instanceof ConfigError) {
    process.stderr.write(`ledger-api: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw error;
});
