/**
 * npm run bench:console — the console's first meaningful content per page, in headless Chromium,
 * against the real service on an embedded store of 1,000,000 events (issue 14: < 1 s each).
 *
 * The ledger is generated straight into the embedded store (setup, not measured; synchronous=OFF
 * only while generating): 100 agencies with their accounts living through grants, revocations,
 * post changes (obligations, some met late, some overdue), disables and deletes, and query
 * registrations for the rest (the bulk of a real WebIR ledger, one stream each). Then the service
 * starts on it, its projections catch up (timed and reported), and each page is opened in a fresh
 * browser context: first load (cold) and the median of BENCH_CONSOLE_RUNS more. "First content"
 * is the page's own figure or table in the DOM, read as performance.now() in the page: from the
 * start of navigation, so it includes loading the console, /auth/me and the page's API calls.
 *
 * Baseline in the same run: what the dashboard's data cost before it was counted on the server —
 * GET /obligations (every obligation, which the page used to download and tally) against
 * GET /obligation-summary; and every page against a small ledger (BENCH_CONSOLE_BASELINE_EVENTS).
 *
 * Baseline for every page in the same run: the console shell (its JS loaded and the menu drawn from
 * the signed-in tab, no page data), so each page's own cost is its ratio to it.
 *
 * BENCH_CONSOLE_DIR=<data dir>: no generation; the service runs on the ledger (events.db, and the
 * read models already built there, reused) of that directory — a copy: the service writes to it
 * (its projections, keys, a checkpoint). Each projection gets BENCH_CONSOLE_CATCHUP_S seconds
 * (default 1800) to catch up; what is not caught up (or failed) is reported, and pages are measured
 * with what is. BENCH_CONSOLE_AGENCY / BENCH_CONSOLE_MONTH (default the agency of the first logged
 * query, and 2025-06) name the agency-month of the per-agency pages.
 *
 * Env: BENCH_CONSOLE_EVENTS (default 1000000), BENCH_CONSOLE_BASELINE_EVENTS (default 10000; 0 = skip),
 * BENCH_CONSOLE_RUNS (default 5), CHROMIUM_PATH (default /usr/bin/chromium), BENCH_DIR (default a temp dir).
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { NewEvent, SqliteEventStore } from '../libs/event-store/src';
import { createPersonalData, loadConfig, type PersonalDataRuntime } from '../libs/platform/src';
import type { ProjectionRunner } from '../libs/read-models/src';
import { createApp } from '../apps/ledger-api/src/bootstrap';
import { PROJECTION_RUNNERS } from '../apps/ledger-api/src/infrastructure/event-store.provider';

const TOTAL = Number(process.env.BENCH_CONSOLE_EVENTS ?? 1_000_000);
const BASELINE_TOTAL = Number(process.env.BENCH_CONSOLE_BASELINE_EVENTS ?? 10_000);
const RUNS = Number(process.env.BENCH_CONSOLE_RUNS ?? 5);
const REUSE_DIR = process.env.BENCH_CONSOLE_DIR;
const CATCHUP_S = Number(process.env.BENCH_CONSOLE_CATCHUP_S ?? 1800);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ADMIN_KEY = `bench-admin-${randomUUID()}`;
const AGENCIES = 100;
const START = Date.parse('2021-01-01T00:00:00.000Z');
const END = Date.parse('2025-12-31T00:00:00.000Z');
const OPS = ['L0101', 'L0102', 'L0201', 'L0301', 'L0401', 'L0501'];
const ROOT = join(__dirname, '..');

let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
const hex = (n: number, width = 64) => n.toString(16).padStart(width, '0');
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(0)} ms`;

const ev = (type: string, data: Record<string, unknown>, at: number): NewEvent => {
  const id = randomUUID();
  return { eventId: id, type, data, metadata: { $correlationId: id, $causationId: id, commandId: id, actor: 'bench-integrator', occurredAt: new Date(at).toISOString() } };
};

type Step = { day: number; streamId: string; event: (at: number) => NewEvent };

const LETTERS = 'ABCDEFGHJKLMNPQRSTUVXYWZIO';
/** The n-th checksum-valid national ID (letter, sex digit, seven digits, check digit). */
function nationalId(n: number): string {
  const letter = LETTERS[n % 26];
  const body = `${1 + (n % 2)}${String(Math.floor(n / 26) % 10_000_000).padStart(7, '0')}`;
  const code = 10 + (n % 26);
  const digits = [Math.floor(code / 10), code % 10, ...body.split('').map(Number)];
  const weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const sum = digits.reduce((acc, d, i) => acc + d * weights[i], 0);
  return `${letter}${body}${(10 - (sum % 10)) % 10}`;
}

interface Holder {
  personId: string;
  holderKey: string;
  nationalIdCiphertext: string;
  nameCiphertext: string;
}

const people = new Map<number, Promise<{ personId: string; sealed: { nationalIdCiphertext: string; nameCiphertext: string; myEGovAccountIdCiphertext?: string } }>>();

/**
 * A person through the key vault, as the command path does it (random person id, sealed number,
 * name and MyEGov id), sealed once; their account at an agency gets its own random key.
 */
async function person(pd: PersonalDataRuntime, n: number, agencyCode: string): Promise<Holder & { myEGov: string }> {
  let known = people.get(n);
  if (!known) {
    known = (async () => {
      const id = nationalId(n);
      const { personId } = await pd.protector.resolvePerson(id);
      return { personId, sealed: await pd.protector.protect(personId, { nationalId: id, name: `測試${n}`, myEGovAccountId: `egov${n}` }) };
    })();
    people.set(n, known);
  }
  const { personId, sealed } = await known;
  const { key } = await pd.protector.accountKey(personId, agencyCode, 'USER');
  return { personId, holderKey: key, nationalIdCiphertext: sealed.nationalIdCiphertext, nameCiphertext: sealed.nameCiphertext, myEGov: sealed.myEGovAccountIdCiphertext! };
}

/** A user account's life as the domain would have appended it: creation, then dated steps. */
function planAccount(agencyCode: string, n: number, createdDay: number, { myEGov, ...holder }: Holder & { myEGov: string }): Step[] {
  const accountId = `${agencyCode}.USER.${holder.holderKey}`;
  const streamId = `account-${accountId}`;
  const items = new Set<string>();
  const steps: Step[] = [
    {
      day: createdDay,
      streamId,
      event: (at) => ev('AccountCreated', {
        accountId, agencyCode, kind: 'USER', incarnation: 1, applicationId: `app_${n}`,
        holder,
        myEGovAccountId: myEGov, certificateBound: true, post: '科員', unit: '社會救助科',
      }, at),
    },
  ];
  let d = createdDay;
  let movedOn: string | undefined;
  const lifeEvents = 4 + Math.floor(rand() * 6);
  for (let i = 0; i < lifeEvents; i++) {
    d += 5 + Math.floor(rand() * 120);
    const r = rand();
    if (r < 0.45 || items.size === 0) {
      const code = pick(OPS);
      items.add(code);
      const meets = movedOn !== undefined && rand() < 0.8 ? { meetsDuty: 'ADJUST_OR_REMOVE_MOVED_USER' } : {};
      if (meets.meetsDuty) movedOn = undefined;
      steps.push({ day: d, streamId, event: (at) => ev('AccountQueryItemsGranted', { accountId, operationCodes: [code], applicationId: `app_${n}_${i}`, ...meets }, at) });
    } else if (r < 0.65) {
      const code = pick([...items]);
      items.delete(code);
      steps.push({ day: d, streamId, event: (at) => ev('AccountQueryItemsRevoked', { accountId, operationCodes: [code], reason: 'least privilege' }, at) });
    } else if (movedOn === undefined) {
      // Some moves are adjusted on time, some late, some never (overdue obligations).
      const effectiveDate = day(START + (d + 5 + Math.floor(rand() * 20)) * 86_400_000);
      movedOn = effectiveDate;
      steps.push({
        day: d,
        streamId,
        event: (at) => ev('AccountPostChanged', { accountId, effectiveDate, newPost: '專員', newUnit: null, successorAccountId: null, duty: { kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)', dueDate: effectiveDate } }, at),
      });
    }
  }
  if (rand() < 0.2) {
    d += 30;
    steps.push({ day: d, streamId, event: (at) => ev('AccountDisabled', { accountId, reason: 'departed', disabledOn: day(at) }, at) });
  }
  return steps;
}

/** One query registration in its own stream, as POST /query-registrations appends it. */
function registration(agencyCode: string, i: number, at: number, subject: { personId: string; nationalIdCiphertext: string }): { streamId: string; event: NewEvent } {
  const registrationId = `${agencyCode}_${hex(i, 10)}`;
  return {
    streamId: `queryregistration-${registrationId}`,
    event: ev('QueryRegistered', {
      registrationId, agencyCode, accountId: `${agencyCode}.USER.${hex(i % 5000, 24)}`, operationCode: pick(OPS), plannedAt: new Date(at).toISOString(),
      caseNumber: `114社救字第${100000 + (i % 900000)}號`, reason: '社會救助資格審查,依社會救助法第四條辦理',
      subject,
    }, at),
  };
}

/** Day by day: each day's events occur that Taipei day and are recorded that evening or up to three days later. */
export async function generate(dir: string, total: number, pd: PersonalDataRuntime): Promise<{ accounts: number; sampleAccount: string }> {
  let clock = START;
  people.clear(); // each ledger has its own key vault
  // Query subjects: a pool of people, each sealed once (the same person is queried many times).
  const subjects: { personId: string; nationalIdCiphertext: string }[] = [];
  for (let i = 0; i < 500; i++) {
    const h = await person(pd, 5_000_000 + i, 'SUBJ');
    people.delete(5_000_000 + i);
    subjects.push({ personId: h.personId, nationalIdCiphertext: h.nationalIdCiphertext });
  }
  const store = new SqliteEventStore({ file: join(dir, 'events.db'), synchronous: 'OFF', now: () => new Date(clock) });
  const agencyCodes = Array.from({ length: AGENCIES }, (_, i) => `AG${String(i).padStart(3, '0')}`);
  const days = Math.floor((END - START) / 86_400_000);
  const accountsPerDay = (total * 0.15) / 7 / (days * 0.7);
  const revisions = new Map<string, number>();
  const due = new Map<number, Step[]>();
  let written = 0;
  let accounts = 0;
  let sampleAccount = '';
  let pending: Promise<unknown>[] = [];
  const append = (streamId: string, events: NewEvent[]) => {
    const expected = revisions.get(streamId) ?? -1;
    revisions.set(streamId, expected + events.length);
    pending.push(store.append(streamId, events, expected === -1 ? 'no_stream' : expected));
    written += events.length;
  };
  clock = START + 86_400_000;
  for (const agencyCode of agencyCodes) {
    append(`agency-${agencyCode}`, [ev('AgencyRegistered', { agencyCode, name: `機關${agencyCode}`, role: 'DATA_REQUESTER' }, START), ev('AgencyApprovedForWebIR', { agencyCode, reference: null }, START + 3600_000)]);
  }
  let carry = 0;
  let registrations = 0;
  for (let d = 0; d < days && written < total; d++) {
    const dayStart = START + d * 86_400_000;
    clock = dayStart + 86_400_000 + Math.floor(rand() * 3) * 86_400_000;
    if (d < days * 0.7) {
      for (carry += accountsPerDay; carry >= 1; carry--) {
        const agencyCode = agencyCodes[accounts % AGENCIES];
        // One person holds an account at many agencies: (person, agency) pairs stay unique.
        const steps = planAccount(agencyCode, accounts, d, await person(pd, Math.floor(accounts / AGENCIES), agencyCode));
        if (!sampleAccount) sampleAccount = steps[0].streamId;
        accounts++;
        for (const step of steps) {
          const list = due.get(step.day);
          if (list) list.push(step);
          else due.set(step.day, [step]);
        }
      }
    }
    for (const step of due.get(d) ?? []) append(step.streamId, [step.event(dayStart + 2 * 3600_000 + rand() * 6 * 3600_000)]);
    due.delete(d);
    const today = Math.max(0, Math.round((total - written) / Math.max(1, days - d)));
    for (let i = 0; i < today; i++, registrations++) {
      const r = registration(agencyCodes[registrations % AGENCIES], registrations, dayStart + 3600_000 + i * 20_000, subjects[registrations % subjects.length]);
      append(r.streamId, [r.event]);
    }
    await Promise.all(pending);
    pending = [];
  }
  await Promise.all(pending);
  await store.close();
  return { accounts, sampleAccount };
}

interface PageCase {
  name: string;
  hash: string;
  selector: string;
}

interface Measured {
  name: string;
  cold: number;
  median: number;
}

async function measure(browser: Browser, base: string, key: string, me: unknown, cases: PageCase[]): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const c of cases) {
    const times: number[] = [];
    for (let run = 0; run <= RUNS; run++) {
      const context = await browser.newContext({ locale: 'zh-TW', timezoneId: 'Asia/Taipei', viewport: { width: 1280, height: 900 } });
      // Signed in already: the key in this tab's session, as the sign-in form leaves it.
      await context.addInitScript(`sessionStorage.setItem('webir-ledger.apiKey', ${JSON.stringify(key)}); sessionStorage.setItem('webir-ledger.me', ${JSON.stringify(JSON.stringify(me))});`);
      const page = await context.newPage();
      await page.goto(`${base}/console/${c.hash}`);
      await page.waitForSelector(c.selector, { timeout: 120_000 }).catch(async (error: Error) => {
        throw new Error(`${c.name}: ${error.message}; the page said: ${(await page.locator('main').textContent())?.slice(0, 300)}`);
      });
      times.push(await page.evaluate(() => performance.now()));
      await context.close();
    }
    const warm = times.slice(1).sort((a, b) => a - b);
    out.push({ name: c.name, cold: times[0], median: warm[Math.floor(warm.length / 2)] ?? times[0] });
  }
  return out;
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const s = performance.now();
  const value = await f();
  return [value, performance.now() - s];
}

interface Ledger {
  events: number;
  agency: string;
  month: string;
  accountStream: string;
  logStream?: string;
}

/** Which agency-month and streams to open, read from the ledger itself. */
function ledgerOf(dir: string, fallback: Partial<Ledger>): Ledger {
  const db = new Database(join(dir, 'events.db'), { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { v: string | number } | undefined)?.v;
    const events = Number(one('SELECT MAX(position) AS v FROM events') ?? 0);
    const logStream = one("SELECT stream_id AS v FROM events WHERE type = 'QueryLogLinesAccepted' ORDER BY position LIMIT 1") as string | undefined;
    const accountStream = fallback.accountStream ?? (one("SELECT stream_id AS v FROM events WHERE type = 'AccountCreated' ORDER BY position LIMIT 1") as string);
    const agency = process.env.BENCH_CONSOLE_AGENCY ?? fallback.agency ?? logStream?.slice('querylog-'.length).split('.')[0] ?? 'AG000';
    return { events, agency, month: process.env.BENCH_CONSOLE_MONTH ?? fallback.month ?? '2025-06', accountStream, logStream };
  } finally {
    db.close();
  }
}

function pageCases(l: Ledger): PageCase[] {
  const am = `agency=${l.agency}&month=${l.month}`;
  return [
    { name: '(baseline) console shell', hash: '#/packages', selector: 'nav[aria-label="主選單"]' },
    { name: '總覽 (dashboard)', hash: '#/dashboard', selector: '[data-testid="overdue-total"]' },
    { name: `使用者清冊 (${l.agency})`, hash: `#/roster?agency=${l.agency}`, selector: '[data-testid="roster-table"]' },
    { name: `義務 (${l.agency}, overdue)`, hash: `#/obligations?agency=${l.agency}&state=overdue`, selector: '[data-testid="obligation-count"]' },
    { name: '義務 (all, unfiltered)', hash: '#/obligations', selector: '[data-testid="obligation-count"]' },
    { name: '查詢與勾稽 reconciliation', hash: `#/queries?${am}`, selector: '[data-testid="reconciliation"]' },
    { name: '查詢與勾稽 logged queries', hash: `#/queries?${am}`, selector: '[data-testid="logged-count"]' },
    { name: '查詢與勾稽 registrations', hash: `#/queries?${am}`, selector: '[data-testid="registration-count"]' },
    { name: '抽查 (seed recomputed)', hash: `#/checks?${am}`, selector: '[data-testid="seed"]' },
    { name: `異常 (${l.agency}, month)`, hash: `#/anomalies?${am}`, selector: '[data-testid="anomalies"], [data-testid="no-anomalies"]' },
    { name: '異常 (all agencies)', hash: '#/anomalies', selector: '[data-testid="anomalies"], [data-testid="no-anomalies"]' },
    { name: '異常 investigations', hash: '#/anomalies', selector: '[data-testid="investigations"], #investigations-title + p' },
    { name: '帳本 (an account stream)', hash: `#/ledger?stream=${l.accountStream}`, selector: '[data-testid="chain-summary"]' },
    ...(l.logStream ? [{ name: '帳本 (a log file: 500-line chunks)', hash: `#/ledger?stream=${l.logStream}`, selector: '[data-testid="chain-summary"]' }] : []),
    { name: '稽核包 (my jobs)', hash: '#/packages', selector: '[data-testid="package-jobs"], [data-testid="no-package-jobs"]:not(:has-text("載入中"))' },
  ];
}

interface Run {
  pages: Measured[];
  list: number;
  summary: number;
  obligations: number;
  catchUp: number;
  ledger: Ledger;
  lagging: string[];
}

/** The service on `dir` (its projections caught up, or given up on after CATCHUP_S), then each page in the browser. */
async function serveAndMeasure(dir: string, browser: Browser, consoleDir: string, ledger: Ledger): Promise<Run> {
  const config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_ADMIN_API_KEY: ADMIN_KEY, LEDGER_LOG_LEVEL: 'silent' });
  process.env.LEDGER_CONSOLE_DIR = consoleDir;
  const app = await createApp({ config, silent: true }, false);
  try {
    const lagging: string[] = [];
    const [, catchUp] = await timed(async () => {
      await app.init();
      const runners = app.get<ProjectionRunner[]>(PROJECTION_RUNNERS);
      await Promise.all(
        runners.map(async (runner) => {
          let timer: NodeJS.Timeout | undefined;
          const gaveUp = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('not caught up'), CATCHUP_S * 1000)));
          const outcome = await Promise.race([runner.caughtUp().then(() => ''), runner.caughtUp().catch((e: Error) => `failed: ${e.message}`), gaveUp]);
          clearTimeout(timer);
          if (outcome) {
            const status = await runner.status();
            lagging.push(`${status.name} at ${status.position ?? 'none'} of ${status.headPosition} (${outcome.slice(0, 160)})`);
          }
        }),
      );
    });
    console.log(`  service started; projections caught up in ${(catchUp / 1000).toFixed(1)} s (setup, not measured below)${lagging.length ? `; NOT caught up: ${lagging.join('; ')}` : ''}`);
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const keyRes = await fetch(`${base}/auth/keys`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY }, body: JSON.stringify({ principalId: 'bench_auditor', roles: ['auditor'], agencies: [] }) });
    const key = ((await keyRes.json()) as { apiKey: string }).apiKey;
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: { 'x-api-key': key } });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<{ count?: number }>;
    };
    // A checkpoint (it closes every month before it, so the 抽查 seed exists) and a verification record.
    const [, signing] = await timed(() => fetch(`${base}/ledger/checkpoints`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_KEY }, body: '{}' }));
    console.log(`  a checkpoint signed over the ledger in ${(signing / 1000).toFixed(1)} s (setup)`);
    await get('/ledger/verify/jobs?limit=1');
    // The dashboard's data, before and now (median of 3, warm).
    const medianOf = async (path: string) => {
      const xs: number[] = [];
      for (let i = 0; i < 3; i++) xs.push((await timed(() => get(path)))[1]);
      return xs.sort((a, b) => a - b)[1];
    };
    const obligations = (await get('/obligations')).count ?? 0;
    const list = await medianOf('/obligations');
    const summary = await medianOf('/obligation-summary');
    const me = await get('/auth/me');
    const pages = await measure(browser, base, key, me, pageCases(ledger));
    return { pages, list, summary, obligations, catchUp, ledger, lagging };
  } finally {
    await app.close();
  }
}

async function runOn(total: number, browser: Browser, consoleDir: string): Promise<Run> {
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'bench-console-'));
  try {
    const config = loadConfig({ LEDGER_DATA_DIR: dir, LEDGER_ADMIN_API_KEY: ADMIN_KEY, LEDGER_LOG_LEVEL: 'silent' });
    const pd = await createPersonalData(config);
    const [gen, generating] = await timed(() => generate(dir, total, pd));
    await pd.close();
    console.log(`  generated ${fmt(total)} events (${fmt(gen.accounts)} accounts, ${AGENCIES} agencies) in ${(generating / 1000).toFixed(1)} s; events.db ${(statSync(join(dir, 'events.db')).size / 1e6).toFixed(0)} MB`);
    return await serveAndMeasure(dir, browser, consoleDir, ledgerOf(dir, { agency: 'AG000', month: '2025-06', accountStream: gen.sampleAccount }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(`bench:console — ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}, ${fmt(TOTAL)} events, ${RUNS} warm runs per page`);
  if (!existsSync(CHROMIUM)) {
    console.log(`SKIP bench:console: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
    return;
  }
  const consoleDir = mkdtempSync(join(tmpdir(), 'bench-console-build-'));
  mkdirSync(consoleDir, { recursive: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/console/vite.config.mjs', '--outDir', consoleDir, '--emptyOutDir'], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const results = new Map<number, Run>();
    let big: Run;
    if (REUSE_DIR) {
      const ledger = ledgerOf(REUSE_DIR, {});
      console.log(`ledger of ${fmt(ledger.events)} events in ${REUSE_DIR} (reused; pages of ${ledger.agency} ${ledger.month}):`);
      big = await serveAndMeasure(REUSE_DIR, browser, consoleDir, ledger);
    } else {
      const sizes = BASELINE_TOTAL > 0 ? [BASELINE_TOTAL, TOTAL] : [TOTAL];
      for (const size of sizes) {
        console.log(`ledger of ${fmt(size)} events:`);
        results.set(size, await runOn(size, browser, consoleDir));
      }
      big = results.get(TOTAL)!;
    }
    const small = REUSE_DIR ? undefined : results.get(BASELINE_TOTAL);
    const shell = big.pages[0];
    console.log(`\nfirst meaningful content, from navigation start (target < 1 s at ${fmt(big.ledger.events)} events; load average now ${loadavg()[0].toFixed(1)}):`);
    console.log(`  ${'page'.padEnd(36)} ${'cold'.padStart(8)} ${'median'.padStart(8)}  ÷shell${small ? `   ${fmt(BASELINE_TOTAL)} events (median)   ratio` : ''}`);
    for (const p of big.pages) {
      const b = small?.pages.find((x) => x.name === p.name);
      console.log(
        `  ${p.name.padEnd(36)} ${ms(p.cold).padStart(8)} ${ms(p.median).padStart(8)}  ×${(p.median / shell.median).toFixed(1).padEnd(5)}${b ? `   ${ms(b.median).padStart(8)}   ×${(p.median / b.median).toFixed(2)}` : ''}   ${p.median < 1000 ? 'OK' : 'OVER 1 s'}`,
      );
    }
    if (big.lagging.length) console.log(`  (measured with read models NOT caught up: ${big.lagging.join('; ')})`);
    console.log(`\ndashboard data at ${fmt(big.ledger.events)} events (${fmt(big.obligations)} obligations), median of 3:`);
    console.log(`  GET /obligations (every obligation; what the page downloaded before) ${ms(big.list)}`);
    console.log(`  GET /obligation-summary (counted on the server; what it reads now)   ${ms(big.summary)}   ×${(big.list / big.summary).toFixed(1)} faster`);
    console.log(`  projections' catch-up after start (setup): ${(big.catchUp / 1000).toFixed(1)} s`);
  } finally {
    await browser.close();
    rmSync(consoleDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
