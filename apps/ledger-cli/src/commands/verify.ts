import type { Command } from 'commander';
import { verifyLedger } from '@ledger/event-store';
import { createEventStore, loadConfig } from '@ledger/platform';
import { setExitCode } from '../exit';

/** Walks every stream and checks the hash chain: exit 0 intact, 1 broken. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('walk every stream and check the hash chain; exit 0 when intact, 1 when broken')
    .option('--json', 'print the full report as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const store = await createEventStore(config);
      try {
        const report = await verifyLedger(store, { densePositions: store.kind === 'embedded-sqlite' });
        if (options.json) {
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
        setExitCode(report.intact ? 0 : 1);
      } finally {
        await store.close();
      }
    });
}
