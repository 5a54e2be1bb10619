import 'reflect-metadata';
import { verifyLedger } from '@ledger/event-store';
import { createEventStore, createProjectionRunners, createReadModelStore, loadConfig } from '@ledger/platform';

const USAGE = `usage: npm run cli -- <command>

commands:
  verify [--json]          walk every stream and check the hash chain; exit 0 when intact, 1 when broken
  rebuild [projection]     drop a read model (or all: roster, obligations) and replay it from the ledger
`;

async function verify(args: string[]): Promise<number> {
  const config = loadConfig();
  const store = await createEventStore(config);
  try {
    const report = await verifyLedger(store, { densePositions: store.kind === 'embedded-sqlite' });
    if (args.includes('--json')) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    } else {
      const where = config.eventStoreUrl ? 'EventStoreDB' : `${config.dataDir}/events.db`;
      process.stdout.write(
        `${report.intact ? 'INTACT' : 'BROKEN'}: ${report.eventsChecked} events in ${report.streamsChecked} streams checked (${where})\n`,
      );
      for (const f of report.failures) {
        process.stdout.write(`  ${f.streamId} @ revision ${f.revision} (position ${f.position}): ${f.reason} — ${f.detail}\n`);
      }
    }
    return report.intact ? 0 : 1;
  } finally {
    await store.close();
  }
}

async function rebuild(args: string[]): Promise<number> {
  const config = loadConfig();
  const store = await createEventStore(config);
  const readModels = await createReadModelStore(config);
  try {
    const runners = createProjectionRunners(store, readModels, config);
    const chosen = args[0] ? runners.filter((r) => r.name === args[0]) : runners;
    if (chosen.length === 0) {
      process.stderr.write(`unknown projection "${args[0]}"; known: ${runners.map((r) => r.name).join(', ')}\n`);
      return 2;
    }
    for (const runner of chosen) {
      const started = process.hrtime.bigint();
      await runner.rebuild();
      await runner.stop();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = await runner.status();
      process.stdout.write(`rebuilt ${runner.name}: position ${status.position ?? 'none'} in ${seconds.toFixed(2)} s\n`);
    }
    return 0;
  } finally {
    await readModels.close();
    await store.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'verify':
      return verify(args);
    case 'rebuild':
      return rebuild(args);
    default:
      process.stderr.write(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exit(2);
  },
);
