/**
 * npm run bench:package — the inspection package of one agency-year (要點 十二(五)) on the embedded store.
 *
 * Ledger: SWD001's year (accounts, reviews, trainings, query items) with BENCH_PACKAGE_QUERIES (default
 * 100,000) query registrations and the WebIR query logs of the same 100,000 queries (imported monthly
 * in chunks of 500 lines), plus one registration of another agency per BENCH_PACKAGE_OTHER_EVERY (2)
 * of SWD001's — ≈150,000 events in all, the other agency's left out of the package.
 *
 * Measured, each in a child process of its own so its peak RSS is its own:
 *   package: generatePackage (read the checkpoint's whole log, proofs, sections, CSVs, PDF, zip);
 *   verify-package: verifyPackage with the pinned key.
 * Baselines in the same run: a raw scan of the log in the same pages (readAll, no work), and reading
 * the zip's entries back (unzip, streamed, no checks). BENCH_PACKAGE_ONLY=package or =verify (with
 * BENCH_PACKAGE_DIR) measures one side alone, against the package the previous run left.
 * Targets: package < 10 s, peak RSS < 500 MB; verify-package < 10 s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '../libs/event-store/src';
import { formatVerifierKey, verifierOf } from '../libs/integrity/src';
import { generatePackage } from '../libs/package/src/generate/generate-package';
import { SEED_AGENCY, seedAgencyYear } from '../libs/package/src/testing/seed-history';
import { readPublicKeys } from '../libs/package/src/verify/report';
import { openZip } from '../libs/package/src/verify/read-zip';
import { verifyPackage } from '../libs/package/src/verify/verify-package';

const QUERIES = Number(process.env.BENCH_PACKAGE_QUERIES ?? 100_000);
const OTHER_EVERY = Number(process.env.BENCH_PACKAGE_OTHER_EVERY ?? 2);
const DEADLINES = { bliNoticeDays: 7, accessReviewMonths: 12, usageReviewMonths: 12, trainingMonths: 12 };
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface ChildResult {
  seconds: number;
  /** User + system CPU of the measured part (less sensitive to the machine's load than wall time). */
  cpuSeconds: number;
  maxRssMb: number;
  detail: Record<string, unknown>;
}

async function child(mode: string, dir: string, key: string): Promise<void> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const detail: Record<string, unknown> = {};
  if (mode === 'package') {
    const store = new SqliteEventStore({ file: join(dir, 'events.db'), readonly: true });
    const out = await generatePackage({
      store, agencyCode: SEED_AGENCY, from: '2025-01-01', to: '2025-12-31', deadlines: DEADLINES, out: join(dir, 'package.zip'), now: new Date('2026-01-10T02:00:00Z'),
      holders: async () => ({ nationalId: 'A123456789', name: '王小明' }),
    });
    Object.assign(detail, { events: out.events, bytes: out.bytes, sections: out.manifest.sections.map((s) => `${s.id}=${s.rows}`).join(' ') });
    await store.close();
  } else if (mode === 'scan') {
    const store = new SqliteEventStore({ file: join(dir, 'events.db'), readonly: true });
    let n = 0;
    let bytes = 0;
    for (let after: bigint | undefined; ; ) {
      const page = await store.readAll({ after, maxCount: 2000 });
      for (const e of page) bytes += JSON.stringify({ ...e, position: e.position.toString() }).length;
      n += page.length;
      if (page.length < 2000) break;
      after = page[page.length - 1].position;
    }
    Object.assign(detail, { events: n, bytes });
    await store.close();
  } else if (mode === 'verify') {
    const r = await verifyPackage(join(dir, 'package.zip'), { publicKeys: readPublicKeys([key]) });
    Object.assign(detail, { ok: r.ok, events: r.events, firstFailure: r.failures[0]?.detail });
  } else if (mode === 'unzip') {
    // Every entry inflated and passed over, as the verifier's streaming read does, with no check.
    const zip = await openZip(join(dir, 'package.zip'));
    let bytes = 0;
    for (const name of zip.names) for await (const chunk of await zip.stream(name)) bytes += (chunk as Buffer).length;
    zip.close();
    Object.assign(detail, { entries: zip.names.length, bytes });
  }
  const cpu = process.cpuUsage(cpuStarted);
  const result: ChildResult = { seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024, detail };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function run(mode: string, dir: string, key: string): ChildResult {
  const prof = process.env.BENCH_PACKAGE_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PACKAGE_CPU_PROF] : [];
  const r = spawnSync(process.execPath, [...prof, '-r', '@swc-node/register', __filename, '--child', mode, dir, key], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`${mode} failed: ${r.stderr.slice(0, 2000)}`);
  return JSON.parse(line) as ChildResult;
}

async function main() {
  // BENCH_PACKAGE_DIR keeps the generated ledger for another run (profiling); else a temp dir removed after.
  const keep = process.env.BENCH_PACKAGE_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'bench-package-'));
  console.log(`bench:package — ${cpus().length} cores, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')}; ${fmt(QUERIES)} queries of ${SEED_AGENCY} in 2025, dir ${dir}`);
  try {
    let t = performance.now();
    let key: string;
    if (keep && existsSync(join(dir, 'key.txt'))) {
      key = readFileSync(join(dir, 'key.txt'), 'utf8');
      console.log(`reusing the ledger in ${dir}`);
    } else {
      let clock = new Date();
      // Generation is setup, not what is measured: synchronous=OFF only here.
      const store = new SqliteEventStore({ file: join(dir, 'events.db'), synchronous: 'OFF', now: () => clock });
      const seeded = await seedAgencyYear(store, { registrations: QUERIES, otherAgencyEvery: OTHER_EVERY, setClock: (at) => (clock = at) });
      await store.close();
      key = formatVerifierKey(verifierOf(seeded.signer));
      writeFileSync(join(dir, 'key.txt'), key);
      console.log(
        `generated ${fmt(seeded.checkpointSize)} events (signed checkpoint) in ${((performance.now() - t) / 1000).toFixed(1)} s: ${fmt(seeded.expected.registrations)} registrations and ${fmt(seeded.expected.loggedQueries)} logged queries of ${SEED_AGENCY}; file ${(statSync(join(dir, 'events.db')).size / 1e6).toFixed(0)} MB`,
      );
    }
    t = performance.now();
    // BENCH_PACKAGE_ONLY=verify (with BENCH_PACKAGE_DIR) reruns one side against the package a previous run left.
    const only = process.env.BENCH_PACKAGE_ONLY;
    const skipped: ChildResult = { seconds: NaN, cpuSeconds: NaN, maxRssMb: NaN, detail: { ok: true } };
    const measure = (mode: string) => (!only || only.split(',').includes(mode) ? run(mode, dir, key) : skipped);
    const scan = run('scan', dir, key);
    const pack = measure('package');
    const unzip = run('unzip', dir, key);
    const verify = measure('verify');
    const rows = [
      ['package (generate zip)', `${pack.seconds.toFixed(2)} s (CPU ${pack.cpuSeconds.toFixed(2)} s), peak RSS ${pack.maxRssMb.toFixed(0)} MB; ${fmt(Number(pack.detail.events))} events, ${(Number(pack.detail.bytes) / 1e6).toFixed(1)} MB zip`, `raw scan of the log ${scan.seconds.toFixed(2)} s (CPU ${scan.cpuSeconds.toFixed(2)} s; ${fmt(Number(scan.detail.events))} events), RSS ${scan.maxRssMb.toFixed(0)} MB`, `${(pack.seconds / scan.seconds).toFixed(2)}×; target < 10 s ${pack.seconds < 10 ? 'met' : 'NOT met'}, RSS < 500 MB ${pack.maxRssMb < 500 ? 'met' : 'NOT met'}`],
      ['verify-package', `${verify.seconds.toFixed(2)} s (CPU ${verify.cpuSeconds.toFixed(2)} s), peak RSS ${verify.maxRssMb.toFixed(0)} MB; ${verify.detail.ok ? 'VALID' : `INVALID: ${verify.detail.firstFailure}`}`, `unzip only ${unzip.seconds.toFixed(2)} s (CPU ${unzip.cpuSeconds.toFixed(2)} s)`, `${(verify.seconds / unzip.seconds).toFixed(2)}×; target < 10 s ${verify.seconds < 10 ? 'met' : 'NOT met'}`],
    ];
    if (pack !== skipped) console.log(`sections: ${pack.detail.sections}`);
    console.log('| measurement | figure | baseline (same run) | ratio / target |\n| --- | --- | --- | --- |');
    // A side left out by BENCH_PACKAGE_ONLY has no figures: a row of NaN would read as a target missed.
    for (const [i, r] of rows.entries()) if ([pack, verify][i] !== skipped) console.log(`| ${r.join(' | ')} |`);
    console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
    if (!verify.detail.ok) process.exitCode = 1;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) void child(process.argv[childAt + 1], process.argv[childAt + 2], process.argv[childAt + 3]);
else void main();
