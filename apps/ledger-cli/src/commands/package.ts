import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { isIsoDate, taipeiDateOf } from '@ledger/domain/core/calendar';
import { generatePackage, holdersFromVault, PackageGenerationError, recordHolderReveal, recordPackageGenerated } from '@ledger/package';
import { createEventStore, createPersonalData, loadConfig } from '@ledger/platform';
import { setExitCode } from '../exit';
import { withProgress } from '../progress';

interface PackageOptions {
  agency: string;
  from?: string;
  to?: string;
  year?: string;
  out?: string;
  reveal?: boolean;
  purpose?: string;
  actor: string;
}

const usage = (message: string) => {
  process.stderr.write(`${message}\n`);
  setExitCode(2);
};

/** The period asked for: --from/--to, or --year, or by default the last whole calendar year (Asia/Taipei). */
export function packagePeriod(o: Pick<PackageOptions, 'from' | 'to' | 'year'>, now: Date): { from: string; to: string } | string {
  if (o.year !== undefined) {
    if (!/^\d{4}$/.test(o.year)) return '--year must be a calendar year such as 2025';
    if (o.from || o.to) return '--year cannot be combined with --from/--to';
    return { from: `${o.year}-01-01`, to: `${o.year}-12-31` };
  }
  const last = String(Number(taipeiDateOf(now).slice(0, 4)) - 1);
  const from = o.from ?? `${last}-01-01`;
  const to = o.to ?? (o.from ? `${from.slice(0, 4)}-12-31` : `${last}-12-31`);
  if (!isIsoDate(from)) return '--from must be a calendar day YYYY-MM-DD (Asia/Taipei)';
  if (!isIsoDate(to)) return '--to must be a calendar day YYYY-MM-DD (Asia/Taipei)';
  if (from > to) return '--from must not be after --to';
  return { from, to };
}

/**
 * 要點 十二(五): writes the inspection package of one agency and period from the ledger's latest signed
 * checkpoint, records the generation (and any reveal of holders, with its purpose) in the ledger, and
 * prints where it is and the digest of its manifest.
 */
export function registerPackage(program: Command): void {
  program
    .command('package')
    .description('write the BLI inspection package (zip) of an agency for a period, verifiable offline (要點 十二(五))')
    .requiredOption('--agency <code>', 'agency code')
    .option('--from <YYYY-MM-DD>', 'first day of the period (Asia/Taipei)')
    .option('--to <YYYY-MM-DD>', 'last day of the period (Asia/Taipei)')
    .option('--year <YYYY>', 'a calendar year (default: the last whole one)')
    .option('--out <file>', 'the zip to write (default package-<agency>-<from>-<to>.zip)')
    .option('--reveal', 'holders unmasked (needs --purpose; recorded in the ledger)')
    .option('--purpose <text>', 'why unmasked holders are needed')
    .option('--actor <id>', 'who asks for the package', 'cli:auditor')
    .action(async (options: PackageOptions) => {
      const now = new Date();
      const period = packagePeriod(options, now);
      if (typeof period === 'string') return usage(period);
      if (!/^[A-Za-z0-9_:]+$/.test(options.agency)) return usage('--agency must be an agency code (letters, digits, "_" or ":")');
      if (options.reveal && (!options.purpose || options.purpose.trim().length < 4)) return usage('--reveal needs --purpose (at least 4 characters): a reveal is recorded with its purpose');
      const config = loadConfig();
      const store = await createEventStore(config);
      const personal = await createPersonalData(config);
      const out = options.out ?? `package-${options.agency}-${period.from}-${period.to}.zip`;
      try {
        let done = 0;
        let total = 0;
        const started = performance.now();
        const generated = await withProgress(
          'package',
          async () => ({ done, total }),
          () =>
            generatePackage({
              store,
              agencyCode: options.agency,
              ...period,
              deadlines: config.deadlines,
              out,
              now,
              holders: holdersFromVault(personal.protector),
              reveal: options.reveal
                ? { purpose: options.purpose!, record: (accountIds) => recordHolderReveal(store, { reader: options.actor, roles: ['auditor'], purpose: options.purpose!, route: 'cli package', agencyCode: options.agency, accountIds }, new Date()) }
                : undefined,
              onProgress: (d, t) => {
                done = d;
                total = t;
              },
            }),
        );
        await recordPackageGenerated(
          store,
          {
            packageId: randomUUID(), reader: options.actor, agencyCode: options.agency, ...period, holders: generated.manifest.parameters.holders, purpose: generated.manifest.parameters.purpose,
            treeSize: generated.manifest.checkpoint.treeSize, events: generated.events, manifestSha256: generated.manifestSha256, via: 'cli',
          },
          new Date(),
        );
        process.stdout.write(
          `wrote ${out}: ${generated.events} events of ${options.agency} from ${period.from} to ${period.to}, checkpoint tree size ${generated.manifest.checkpoint.treeSize}, ${(generated.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
            generated.manifest.sections.map((s) => `  ${s.file}: ${s.rows} rows\n`).join('') +
            `  manifest SHA-256 ${generated.manifestSha256} (recorded in the ledger)\n`,
        );
        setExitCode(0);
      } catch (error) {
        if (!(error instanceof PackageGenerationError)) throw error;
        process.stderr.write(`cannot package: ${error.message}\n`);
        setExitCode(1);
      } finally {
        await personal.close();
        await store.close();
      }
    });
}
