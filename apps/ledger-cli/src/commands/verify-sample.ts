import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { monthlyCheckStreamId, type MonthlySampleDrawn } from '@ledger/domain';
import { readAnnouncedKeys } from '@ledger/event-store';
import type { VerifierKey } from '@ledger/integrity';
import { createEventStore, createReadModelStore, loadConfig } from '@ledger/platform';
import { closingCheckpoint } from '../../../ledger-api/src/checks/closing-checkpoint';
import { loadMonthlyPopulation } from '../../../ledger-api/src/checks/query-log-population';
import { verifySampleRecord, type SampleVerification } from '../../../ledger-api/src/checks/verify-sample';
import { setExitCode } from '../exit';
import { readVerifierKeys } from './verify';

interface Options {
  agency?: string;
  month?: string;
  from?: string;
  publicKey?: string[];
  json?: boolean;
}

/**
 * 要點 十二(一): recomputes a month's sample from the signed checkpoint that closed the month and the
 * month's log digests, and checks it against the recorded draw. From the ledger's stores, or offline
 * from a published record (GET /checks/monthly/<agency>/<month>/sample saved to a file).
 */
export function registerVerifySample(program: Command): void {
  program
    .command('verify-sample')
    .description("recompute a month's sampling draw from the closing checkpoint and the log digests; exit 0 reproduced, 1 not")
    .option('--agency <code>', 'the requester agency')
    .option('--month <YYYY-MM>', 'the Asia/Taipei month')
    .option('--from <file>', 'offline: the JSON of GET /checks/monthly/<agency>/<month>/sample instead of the stores')
    .option('--public-key <key-or-file>', 'the pinned verifier key (name+id+base64, or a file of them)', (v: string, p: string[] = []) => [...p, v])
    .option('--json', 'print the result as JSON')
    .action(async (options: Options) => {
      if (!options.from && (!options.agency || !options.month || !/^\d{4}-(0[1-9]|1[0-2])$/.test(options.month))) {
        process.stderr.write('verify-sample needs --agency and --month YYYY-MM, or --from FILE\n');
        setExitCode(2);
        return;
      }
      const pinned = options.publicKey ? readVerifierKeys(options.publicKey) : [];
      const result = options.from ? offline(options.from, pinned) : await fromStores(options.agency!, options.month!, pinned);
      if (options.json) process.stdout.write(JSON.stringify(result) + '\n');
      else {
        for (const c of result.checks) process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'} ${c.detail}\n`);
        process.stdout.write(`${result.ok ? 'REPRODUCED' : 'NOT REPRODUCED'}: ${result.population} logged queries, sample of ${result.sampleSize}${pinned.length ? '' : ' (keys NOT pinned: the keys the ledger announces were trusted)'}\n`);
      }
      setExitCode(result.ok ? 0 : 1);
    });
}

function offline(file: string, pinned: VerifierKey[]): SampleVerification & { note?: string } {
  if (pinned.length === 0) throw new Error('--from needs --public-key: offline, only a pinned key can vouch for the checkpoint');
  const record = JSON.parse(readFileSync(file, 'utf8')) as {
    agencyCode: string;
    month: string;
    closingCheckpoint: Parameters<typeof verifySampleRecord>[0]['closing'];
    recorded: { seed: string; sample: string[]; checkpointPosition: string } | null;
    recomputed: { logDigests: string[]; populationDigest: string } | null;
    entryIds: string[];
  };
  if (!record.recorded || !record.closingCheckpoint || !record.recomputed) throw new Error(`${file}: no recorded draw in this record`);
  return verifySampleRecord({
    agencyCode: record.agencyCode,
    month: record.month,
    recorded: { seed: record.recorded.seed, sample: record.recorded.sample, checkpoint: record.closingCheckpoint },
    closing: record.closingCheckpoint,
    entryIds: record.entryIds,
    logDigests: record.recomputed.logDigests,
    keys: pinned,
  });
}

async function fromStores(agencyCode: string, month: string, pinned: VerifierKey[]): Promise<SampleVerification> {
  const config = loadConfig();
  const store = await createEventStore(config);
  const readModels = await createReadModelStore(config);
  try {
    const [drawn] = await store.readStream(monthlyCheckStreamId(agencyCode, month), { maxCount: 1 });
    if (drawn?.type !== 'MonthlySampleDrawn') throw new Error(`no sample of ${month} has been drawn for ${agencyCode}`);
    const recorded = drawn.data as unknown as MonthlySampleDrawn['data'];
    const keys = pinned.length ? pinned : (await readAnnouncedKeys(store)).map((a) => a.key);
    const [closing, population] = await Promise.all([closingCheckpoint(store, month), loadMonthlyPopulation(store, readModels, agencyCode, month)]);
    const result = verifySampleRecord({ agencyCode, month, recorded: { ...recorded }, closing, ...population, keys });
    // The checkpoint must also be one of this log: its root is the tree's at its size.
    if (store.tree) {
      const root = (await store.tree.root(recorded.checkpoint.treeSize)).toString('base64');
      result.checks.splice(3, 0, { ok: root === recorded.checkpoint.rootHash, detail: `the ledger's tree of ${recorded.checkpoint.treeSize} events has root ${root}${root === recorded.checkpoint.rootHash ? ', the checkpoint\'s' : ', NOT the checkpoint\'s'}` });
      result.ok = result.checks.every((c) => c.ok);
    }
    return result;
  } finally {
    await readModels.close();
    await store.close();
  }
}
