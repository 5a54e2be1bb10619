import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { loadConfig } from '@ledger/platform';

async function main() {
  const config = loadConfig();
  const app = await createApp({ config });
  await app.listen(config.port);
  new Logger('Ledger').log(
    `listening on http://localhost:${config.port} (OpenAPI UI at /docs), store: ${config.eventStoreUrl ? 'EventStoreDB' : `embedded SQLite in ${config.dataDir}`}`,
  );
}

void main();
