import { setFlagsFromString } from 'node:v8';
import { Logger } from '@nestjs/common';
import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { DomainRuleError, QUERY_LOG_ENCODINGS, QueryLogEncoding, ValidationError } from '@ledger/domain';
import { QUERY_LOGS_PROJECTION } from '@ledger/projections';
import { createEventStore, createPersonalData, createProjectionRunner, createReadModelStore, loadConfig, startProjectorThread, type LedgerConfig, type ProjectorThread } from '@ledger/platform';
import { importQueryLog } from '../../../ledger-api/src/query-logs/query-log-importer';
import { setExitCode } from '../exit';

/**
 * 要點 九(二): imports a month of an agency's WebIR query log from a file, as `POST /query-logs` does,
 * and prints the outcome as JSON. Exit 0 imported (or already imported), 1 refused (a bad header,
 * a month conflict, a downloader who is no administrator).
 */
export function registerImportLog(program: Command): void {
  program
    .command('import-log')
    .description("import an agency's monthly WebIR query log (要點 九(二)) and reconcile it with the registrations (要點 九(一))")
    .argument('<file>', 'the CSV file as downloaded (docs/webir-log-layout.md; UTF-8 with or without BOM, or Big5)')
    .requiredOption('--agency <code>', 'the agency whose log it is')
    .requiredOption('--month <YYYY-MM>', 'the Asia/Taipei month the file covers')
    .option('--downloaded-by <accountId>', 'the administrator account that downloaded the log (要點 九(二))')
    .option('--encoding <encoding>', `force the encoding (${QUERY_LOG_ENCODINGS.join(', ')}); detected by default`)
    .option('--actor <id>', 'who imports it', 'cli:operator')
    .action(async (file: string, options: { agency: string; month: string; downloadedBy?: string; encoding?: string; actor: string }) => {
      if (options.encoding !== undefined && !(QUERY_LOG_ENCODINGS as readonly string[]).includes(options.encoding)) {
        process.stderr.write(`refused: --encoding must be one of ${QUERY_LOG_ENCODINGS.join(', ')}\n`);
        setExitCode(2);
        return;
      }
      // stdout carries the JSON outcome only: the projection's start-up lines would break it for a script reading it.
      Logger.overrideLogger(['error', 'warn']);
      // Why the command tunes the garbage collector: the import's live heap is ≈ 40–60 MB (about half
      // of it this CLI's own loaded code), but on a machine where the heap may grow to gigabytes V8
      // lets the old generation reach 4× what survived its last full collection before collecting
      // again — ≈ 200 MB, mostly lines and events that were in flight when a young collection ran. A
      // factor of 2 (what V8 itself uses when the heap limit is under 1 GB) keeps a 1,000,000-line
      // import's peak RSS at ≈ 290 MB instead of ≈ 385 MB, for ≈ 3 % more CPU (bench:queries). It is no
      // bound: a larger live heap still gets what it needs. Set here, not as a node flag the operator
      // must remember, since the process runs this one command and exits.
      setFlagsFromString('--heap-growing-percent=100');
      const config = loadConfig();
      const store = await createEventStore(config);
      const personal = await createPersonalData(config);
      const readModels = await createReadModelStore(config);
      // Only the query-logs read model is needed to reconcile; a running service holding its lease keeps it, and this waits for it.
      // With LEDGER_PROJECTIONS=thread (the default on two cores or more) a thread of this process
      // projects it while this event loop reads, checks and appends the file; this loop's runner only follows.
      const threaded = config.projections === 'thread';
      const runner = createProjectionRunner(QUERY_LOGS_PROJECTION, store, readModels, config, { leaseHolder: `cli-import-log-${process.pid}`, follow: threaded });
      await runner.start();
      const projector = threaded ? queryLogsThread(config, (position) => runner.observe(position)) : undefined;
      const bar = process.stderr.isTTY ? new SingleBar({ format: 'import-log {pass} [{bar}] {value}/{total} lines', stream: process.stderr, hideCursor: true }, Presets.shades_classic) : undefined;
      let started = false;
      try {
        await projector?.started;
        const result = await importQueryLog(
          {
            store,
            protector: personal.protector,
            readModels,
            clock: () => new Date(),
            windowDays: config.queryLogs?.windowDays ?? 1,
            explainDays: config.queryLogs?.explainDays ?? 14,
            waitForQueryLogs: async (position) => {
              const caughtUp = runner.waitFor(position, 15 * 60_000);
              if (!(await (projector ? Promise.race([caughtUp, projector.ended]) : caughtUp))) throw new Error('the query-logs read model did not take in the file in time; run the same command again to finish');
            },
            onProgress: (pass, lines, total) => {
              if (!bar) return;
              if (!started) bar.start(Math.max(total, lines, 1), 0, { pass });
              started = true;
              bar.setTotal(Math.max(total, lines, 1));
              bar.update(lines, { pass });
            },
          },
          { path: file, agencyCode: options.agency, period: options.month, fileName: file.split(/[\\/]/).pop(), downloadedBy: options.downloadedBy, encoding: options.encoding as QueryLogEncoding | undefined, actor: options.actor },
        );
        bar?.stop();
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
        setExitCode(0);
      } catch (error) {
        bar?.stop();
        if (!(error instanceof DomainRuleError || error instanceof ValidationError)) throw error;
        process.stderr.write(`refused: ${error.code}${error instanceof DomainRuleError ? ` (${error.rule})` : ''}: ${error.message}\n`);
        setExitCode(1);
      } finally {
        await projector?.stop();
        await runner.stop();
        await readModels.close();
        await personal.close();
        await store.close();
      }
    });
}

/**
 * The query-logs read model projected on a thread of this process, beside the import. Why: the
 * import's two halves — reading, checking, sealing and appending the file; writing the read model —
 * then use two cores. bench:queries, 1,000,000 lines on 2 cores: 21,253–21,886 lines/s (peak RSS
 * 381–392 MB) against 18,541–18,937 (308–320 MB) in one event loop (the README has the runs).
 *
 * Its limits keep the process's peak RSS under 400 MB for a million lines: pages of 16 chunk events
 * (48 in one event loop: a thread's page is live while the import's own heap is too) and a young
 * generation of 24 MB. With V8's default young generation the peak was 466–488 MB; with 16 MB the
 * thread spent a fifth of its time collecting and ran at 19,000–20,500 lines/s; 32 MB peaked at 412 MB.
 */
function queryLogsThread(config: LedgerConfig, observe: (position: bigint) => void): ProjectorThread & { ended: Promise<never> } {
  let end: (why: string) => void = () => undefined;
  const ended = new Promise<never>((_, reject) => (end = (why) => reject(new Error(`the query-logs projector thread ended (${why}); run the same command again to finish`))));
  ended.catch(() => undefined);
  // Its lines go to stderr, and only warnings and errors (this command's own Nest lines are cut the same way).
  const level = ['error', 'fatal', 'silent'].includes(config.log.level) ? config.log.level : 'warn';
  const thread = startProjectorThread({ ...config, log: { ...config.log, level } }, {
    only: { projection: QUERY_LOGS_PROJECTION, pageSize: 16 },
    resourceLimits: { maxYoungGenerationSizeMb: 24 },
    logToStderr: true,
    onApplied: (_projection, position) => observe(position),
    onUnexpectedEnd: end,
  });
  return { started: thread.started, stop: () => thread.stop(), ended };
}
