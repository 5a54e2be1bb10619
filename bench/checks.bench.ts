import 'reflect-metadata';
import { loadConfig } from '@ledger/platform';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agencyStreamId, monthlyCheckStreamId, queryLogImportId, queryLogStreamId, type MonthlySampleDrawn } from '@ledger/domain';
import { announceSigningKey, issueCheckpoint, SqliteEventStore } from '@ledger/event-store';
import { generateSignerKey, verifierOf } from '@ledger/integrity';
import { monthlyLogImportsProjection } from '@ledger/projections';
import { projectEvents, SqliteReadModelStore } from '@ledger/read-models';
import { AccessStates } from '../apps/ledger-api/src/access/shared/access-states';
import { closingCheckpoint } from '../apps/ledger-api/src/checks/closing-checkpoint';
import { ChecksService } from '../apps/ledger-api/src/checks/checks.service';
import { loadMonthlyPopulation, QueryLogPopulation } from '../apps/ledger-api/src/checks/query-log-population';
import { verifySampleRecord } from '../apps/ledger-api/src/checks/verify-sample';
import { CommandProcessor } from '../apps/ledger-api/src/common/command-processor';

/**
 * bench:checks (issue 12): drawing and verifying the monthly sample of a month with
 * BENCH_CHECKS_QUERIES logged queries (default 100,000), target < 1 s each. The draw is the whole
 * command (population read from the imported log's chunk events, closing checkpoint found, drawn,
 * appended) and the verification is GET /checks/monthly/…/sample (recomputed and compared with the
 * record), both reading the month's line numbers from the read model; `verify-sample` on the CLI
 * reads the log's own chunk events instead, shown apart. Baseline, same run: reading the month's
 * log chunks alone. BENCH_CHECKS_RUNS agencies (default 3), one draw each.
 */
const N = Number(process.env.BENCH_CHECKS_QUERIES ?? 100_000);
const RUNS = Number(process.env.BENCH_CHECKS_RUNS ?? 3);
const MONTH = '2025-03';

let clock = new Date('2025-03-20T02:00:00.000Z');
const meta = () => ({ $correlationId: 'b', $causationId: 'b', commandId: randomUUID(), actor: 'bench', occurredAt: clock.toISOString(), schemaVersion: 1 });
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function importMonth(store: SqliteEventStore, agency: string): Promise<void> {
  const sha256 = createHash('sha256').update(`${agency} ${MONTH}`).digest('hex');
  const importId = queryLogImportId(agency, sha256);
  const base = { importId, agencyCode: agency, period: MONTH };
  const chunks = Math.ceil(N / 500);
  const events = [{ eventId: randomUUID(), type: 'QueryLogImportStarted', data: { ...base, file: { sha256, byteLength: N * 120, encoding: 'UTF-8', layout: 'webir-query-log/1', columns: [] }, lineCount: N, acceptedCount: N, rejectedCount: 0, chunkLines: 500, acceptedChunks: chunks, rejectedChunks: 0 }, metadata: meta() }];
  for (let c = 0; c < chunks; c++) {
    const lines = [];
    for (let i = c * 500; i < Math.min(N, (c + 1) * 500); i++) {
      lines.push({ lineNo: i + 2, accountId: `${agency}.USER.${'ab'.repeat(32)}`, loggedAt: '2025-03-10T02:00:00.000Z', operationCode: 'LI_ENROLMENT', subject: { personId: `person_${i}`, nationalIdCiphertext: 'v1.iv.tag.ct' }, caseNumber: `C${i}`, reason: '低收入戶資格審核', outcomeCode: 'FOUND' });
    }
    events.push({ eventId: randomUUID(), type: 'QueryLogLinesAccepted', data: { ...base, chunk: c, lines } as never, metadata: meta() });
  }
  events.push({ eventId: randomUUID(), type: 'QueryLogImportCompleted', data: { ...base, sha256, lineCount: N, acceptedCount: N, rejectedCount: 0, firstLoggedAt: null, lastLoggedAt: null } as never, metadata: meta() });
  for (let i = 0; i < events.length; i += 50) await store.append(queryLogStreamId(importId), events.slice(i, i + 50), i === 0 ? 'no_stream' : i - 1);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-checks-'));
  const store = new SqliteEventStore({ file: join(dir, 'events.db'), now: () => clock });
  const readModels = new SqliteReadModelStore({ file: join(dir, 'read-models.db') });
  try {
    const agencies = Array.from({ length: RUNS }, (_, i) => `SWD${String(i + 1).padStart(3, '0')}`);
    const t0 = process.hrtime.bigint();
    for (const agency of agencies) {
      await store.append(agencyStreamId(agency), [
        { eventId: randomUUID(), type: 'AgencyRegistered', data: { agencyCode: agency, name: agency, role: 'DATA_REQUESTER' }, metadata: meta() },
        { eventId: randomUUID(), type: 'AgencyApprovedForWebIR', data: { agencyCode: agency, reference: null }, metadata: meta() },
      ], 'no_stream');
      await importMonth(store, agency);
    }
    const all = await store.readAll({ maxCount: 10_000_000 });
    await projectEvents(monthlyLogImportsProjection, readModels, all);
    const signer = generateSignerKey('webir-ledger');
    clock = new Date('2025-03-31T16:00:01.000Z');
    await announceSigningKey(store, verifierOf(signer), clock);
    await issueCheckpoint(store, signer, { reason: 'month-close', monthClosed: MONTH, now: clock });
    clock = new Date('2025-04-02T02:00:00.000Z');
    process.stdout.write(`bench:checks — ${RUNS} agencies × ${N.toLocaleString('en')} logged queries in ${MONTH}, ledger built in ${(ms(t0) / 1000).toFixed(1)} s\n`);

    const service = new ChecksService(new CommandProcessor(store, () => clock), new AccessStates(store), store, readModels, new QueryLogPopulation(readModels), loadConfig({}));
    const baseline: number[] = [];
    const draws: number[] = [];
    const verifies: number[] = [];
    const fromLog: number[] = [];
    let sampleSize = 0;
    for (const agency of agencies) {
      let t = process.hrtime.bigint();
      const { importId } = { importId: queryLogImportId(agency, createHash('sha256').update(`${agency} ${MONTH}`).digest('hex')) };
      await store.readStream(queryLogStreamId(importId));
      baseline.push(ms(t));

      t = process.hrtime.bigint();
      await service.draw(agency, MONTH, undefined, { commandId: randomUUID(), actor: 'bench' });
      draws.push(ms(t));

      t = process.hrtime.bigint();
      const again = await service.recompute(agency, MONTH);
      verifies.push(ms(t));
      if (again.matches !== true) throw new Error('the recomputed draw does not match the recorded one');

      t = process.hrtime.bigint();
      const [drawn] = await store.readStream(monthlyCheckStreamId(agency, MONTH), { maxCount: 1 });
      const recorded = drawn.data as unknown as MonthlySampleDrawn['data'];
      const [closing, population] = await Promise.all([closingCheckpoint(store, MONTH), loadMonthlyPopulation(store, readModels, agency, MONTH)]);
      const result = verifySampleRecord({ agencyCode: agency, month: MONTH, recorded, closing, ...population, keys: [verifierOf(signer)] });
      fromLog.push(ms(t));
      if (!result.ok) throw new Error(`verification failed: ${JSON.stringify(result.checks)}`);
      sampleSize = result.sampleSize;
    }
    const b = median(baseline);
    const row = (name: string, xs: number[]) =>
      process.stdout.write(`${name.padEnd(44)} median ${median(xs).toFixed(0).padStart(5)} ms  (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})  ${(median(xs) / b).toFixed(2)}× baseline  target < 1000 ms: ${median(xs) < 1000 ? 'met' : 'NOT met'}\n`);
    process.stdout.write(`baseline: reading the month's ${Math.ceil(N / 500)} log chunks  median ${b.toFixed(0).padStart(5)} ms  (runs: ${baseline.map((x) => x.toFixed(0)).join(', ')})\n`);
    row(`draw (command, sample of ${sampleSize})`, draws);
    row('verify (GET …/sample: recompute and compare)', verifies);
    row('verify-sample from the log itself (CLI)', fromLog);
  } finally {
    await readModels.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
