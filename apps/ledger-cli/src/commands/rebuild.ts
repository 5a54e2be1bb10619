import type { Command } from 'commander';
import { createEventStore, createProjectionRunners, createReadModelStore, loadConfig } from '@ledger/platform';
import { leaseInForce } from '@ledger/read-models';
import { setExitCode } from '../exit';
import { withProgress } from '../progress';

/** Drops a read model (or all) and replays it from the ledger, with a progress bar on a terminal. */
export function registerRebuild(program: Command): void {
  program
    .command('rebuild')
    .description('drop a read model (or all of them) and replay it from the ledger')
    .argument('[projection]', 'one projection by name; all when omitted')
    .action(async (name: string | undefined) => {
      const config = loadConfig();
      const store = await createEventStore(config);
      const readModels = await createReadModelStore(config);
      try {
        const runners = createProjectionRunners(store, readModels, config);
        const chosen = name ? runners.filter((r) => r.name === name) : runners;
        if (chosen.length === 0) {
          process.stderr.write(`unknown projection "${name}"; known: ${runners.map((r) => r.name).join(', ')}\n`);
          setExitCode(2);
          return;
        }
        // A service instance or projector running the projection would keep writing it from its own
        // position while this replays it from the start: refused, nothing dropped.
        const busy: string[] = [];
        for (const runner of chosen) {
          const lease = await leaseInForce(readModels, runner.name);
          if (lease) busy.push(`${runner.name} (run by ${lease.holder} until ${new Date(lease.expiresAt).toISOString()})`);
        }
        if (busy.length > 0) {
          process.stderr.write(`refused: another process runs ${busy.join(', ')}; stop it (the service, or npm run cli -- project) and run rebuild again\n`);
          setExitCode(1);
          return;
        }
        for (const runner of chosen) {
          const started = process.hrtime.bigint();
          await withProgress(`rebuild ${runner.name}`, async () => {
            const status = await runner.status();
            return { done: Number(status.position ?? 0), total: Number(status.headPosition ?? 0) };
          }, () => runner.rebuild());
          await runner.stop();
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const status = await runner.status();
          process.stdout.write(`rebuilt ${runner.name}: position ${status.position ?? 'none'} in ${seconds.toFixed(2)} s\n`);
        }
        setExitCode(0);
      } finally {
        await readModels.close();
        await store.close();
      }
    });
}
