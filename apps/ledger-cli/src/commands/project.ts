import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { createEventStore, createProjectionRunners, createReadModelStore, loadConfig } from '@ledger/platform';
import { projectionsHealth, type ProjectionStatus } from '@ledger/read-models';
import { setExitCode } from '../exit';

const statusLine = (s: ProjectionStatus) => `${s.name} ${s.state}${s.leaseHeld === false ? ' (lease elsewhere)' : ''} position ${s.position ?? 'none'} lag ${s.lag ?? '?'}${s.error ? ` error: ${s.error}` : ''}`;

/**
 * The projector: runs every projection of the shared stores in its own process, for service
 * instances started with LEDGER_PROJECTIONS=follow, so that read models are written on another
 * core (or machine) than the one answering commands. It takes each projection's lease like a
 * service instance would; two projectors, or a projector beside a `run` instance, share the work
 * and take over from each other. `--once` catches up with the log as it is at start and exits.
 */
export function registerProject(program: Command): void {
  program
    .command('project')
    .description('run the projections (read models) in this process until stopped (SIGINT/SIGTERM), for service instances with LEDGER_PROJECTIONS=follow')
    .option('--once', 'catch up with the log as it is now, then exit')
    .option('--only <names>', 'run only these projections (comma-separated), e.g. query_logs in one projector and the rest in another')
    .option('--status-every <seconds>', 'print each projection\'s position and lag this often (0: never)', '30')
    .action(async (options: { once?: boolean; only?: string; statusEvery: string }) => {
      const every = Number(options.statusEvery);
      if (!/^[0-9]+$/.test(options.statusEvery) || !Number.isSafeInteger(every)) {
        process.stderr.write(`--status-every: must be a whole number of seconds, got "${options.statusEvery}"\n`);
        setExitCode(2);
        return;
      }
      const config = loadConfig();
      const store = await createEventStore(config);
      const readModels = await createReadModelStore(config);
      const all = createProjectionRunners(store, readModels, config, { leaseHolder: `projector:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}` });
      const wanted = options.only?.split(',').map((n) => n.trim()).filter(Boolean);
      const unknown = wanted?.filter((n) => !all.some((r) => r.name === n)) ?? [];
      const runners = wanted ? all.filter((r) => wanted.includes(r.name)) : all;
      let timer: ReturnType<typeof setInterval> | undefined;
      try {
        if (unknown.length > 0 || runners.length === 0) {
          process.stderr.write(`--only: unknown projection ${unknown.map((n) => `"${n}"`).join(', ') || '(none named)'}; known: ${all.map((r) => r.name).join(', ')}\n`);
          setExitCode(2);
          return;
        }
        for (const runner of runners) await runner.start();
        if (options.once) {
          // A projection whose lease another process holds is caught up there: this waits for its
          // checkpoint. One that fails here is reported by its status line and the exit code.
          await Promise.all(runners.map((r) => r.caughtUp().catch(() => undefined)));
          const final = await projectionsHealth(runners);
          for (const s of final.projections) process.stdout.write(`${statusLine(s)}\n`);
          setExitCode(final.ok ? 0 : 1);
          return;
        }
        const outcome = await new Promise<number>((resolve) => {
          const stop = () => resolve(0);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          process.stdout.write(`projector running ${runners.length} projections; stop with SIGINT or SIGTERM\n`);
          if (every > 0) {
            timer = setInterval(() => {
              void projectionsHealth(runners).then((health) => {
                for (const s of health.projections) process.stdout.write(`${statusLine(s)}\n`);
                // A handler failed or the log lost its tail: exit non-zero so that a supervisor notices.
                if (!health.ok) resolve(1);
              });
            }, every * 1000);
          }
        });
        setExitCode(outcome);
      } finally {
        if (timer) clearInterval(timer);
        for (const runner of runners) await runner.stop();
        await readModels.close();
        await store.close();
      }
    });
}
