import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { EventStore } from '@ledger/event-store';
import type { ProjectionRunner } from '@ledger/read-models';
import { EVENT_STORE, PROJECTION_RUNNERS } from '../apps/ledger-api/src/infrastructure/event-store.provider';
import { parseVerifierKey } from '@ledger/integrity';
import { readZip, verifyPackage } from '@ledger/package/verify';
import { PackageJobLog } from '../apps/ledger-api/src/packages/package-job-log';
import { ADMIN_KEY, startTestApp } from './support/app';
import { encode, LOG_HEADER, logLine, nationalId } from './support/webir-log';

/**
 * The auditors' and 政風 console (issue 14) in a real headless Chromium, against the real service
 * on an embedded store: sign-in and menus by role, the dashboard's overdue count, the roster's
 * as-of pickers, reveal with a purpose, the in-browser inclusion proof and a tampered file.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser) process.stdout.write(`SKIP console browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium)\n`);
const describeBrowser = hasBrowser ? describe : describe.skip;

const ROOT = join(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const PERSON = { nationalId: 'B223456782', name: '陳美玲' };
// Query subjects of the 衛生局 (HLT) month reconciled on the 查詢與勾稽 page.
const SUBJECTS = [nationalId(11), nationalId(12), nationalId(13)];
const HLT_USER = `HLT.USER.${'ef'.repeat(32)}`;

jest.setTimeout(60_000);

describeBrowser('console in a browser', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let browser: Browser;
  let base: string;
  let consoleDir: string;
  let accountId: string;
  const keys: Record<string, string> = {};
  // An uncaught error in the page fails the case that caused it.
  let pageErrors: string[] = [];
  afterEach(() => {
    const errors = pageErrors;
    pageErrors = [];
    expect(errors).toEqual([]);
  });

  const send = (path: string, body: object, key = ADMIN_KEY) => t.http().post(path).set('X-API-Key', key).send({ commandId: randomUUID(), ...body });
  const api = (path: string, key = keys.auditor) => t.http().get(path).set('X-API-Key', key);
  const caughtUp = async () => {
    for (const runner of t.app.get<ProjectionRunner[]>(PROJECTION_RUNNERS)) await runner.caughtUp();
  };
  const personalDataReads = async () => (await t.app.get<EventStore>(EVENT_STORE).readAll()).filter((e) => e.type === 'PersonalDataRead').length;

  /**
   * 衛生局's March 2025 (要點 九(一)(二)): its grant and user seeded as events, two queries registered,
   * and its WebIR log imported: one query matches, one was never registered, one registration was not used.
   */
  async function seedQueryMonth() {
    keys.hlt = await (async () => (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId: 'svc_hlt', roles: ['integrator'], agencies: ['HLT'] }).expect(201)).body.apiKey as string)();
    await send('/agencies', { agencyCode: 'HLT', name: '臺北市政府衛生局', role: 'DATA_REQUESTER', occurredAt: '2025-01-02T09:00:00+08:00' }).expect(201);
    await send('/agencies/HLT/approval', { reference: 'ref', occurredAt: '2025-01-03T09:00:00+08:00' }, keys.lab).expect(201);
    const store = t.app.get<EventStore>(EVENT_STORE);
    const seed = (type: string, data: Record<string, unknown>, occurredAt: string) => {
      const id = randomUUID();
      return { eventId: id, type, data, metadata: { $correlationId: id, $causationId: id, commandId: id, actor: 'seed', occurredAt } };
    };
    const item = { agencyCode: 'HLT', operationCode: 'LI_ENROLMENT' };
    await store.append('queryitem-HLT.LI_ENROLMENT', [
      seed('QueryItemApplied', { ...item, legalBasis: '傳染病防治法', businessScope: '防疫', purpose: '資格審查', applicationId: 'hlt_items', round: 1 }, '2025-01-02T01:00:00.000Z'),
      seed('QueryItemApprovedByCompetentAuthority', item, '2025-01-03T01:00:00.000Z'),
      seed('QueryItemSubmittedToBli', { ...item, reference: null }, '2025-01-04T01:00:00.000Z'),
      seed('QueryItemApprovedByBli', { ...item, reference: null }, '2025-01-05T01:00:00.000Z'),
      seed('QueryItemGranted', { ...item, applicationId: 'hlt_items' }, '2025-01-06T01:00:00.000Z'),
    ], 'no_stream');
    const holder = { personId: 'person_hltseed', holderKey: 'ef'.repeat(32), nationalIdCiphertext: 'v1.a.b.c', nameCiphertext: 'v1.d.e.f' };
    await store.append(`account-${HLT_USER}`, [
      seed('AccountCreated', { accountId: HLT_USER, agencyCode: 'HLT', kind: 'USER', incarnation: 1, applicationId: 'hlt_add', holder, myEGovAccountId: 'egov:hlt', certificateBound: true, post: '技士', unit: '疾病管制科' }, '2025-01-10T01:00:00.000Z'),
      seed('AccountQueryItemsGranted', { accountId: HLT_USER, operationCodes: ['LI_ENROLMENT'], applicationId: 'hlt_grant' }, '2025-01-10T02:00:00.000Z'),
    ], 'no_stream');
    const registration = (registrationId: string, subject: string, plannedAt: string) =>
      ({ registrationId, agencyCode: 'HLT', accountId: HLT_USER, operationCode: 'LI_ENROLMENT', plannedAt, caseNumber: '114衛疾字第0001號', reason: '防疫補助資格審查', subject: { nationalId: subject } });
    const batch = await send('/query-registrations/batch', { registrations: [registration('HLT_R1', SUBJECTS[0], '2025-03-05T09:30:00+08:00'), registration('HLT_R2', SUBJECTS[1], '2025-03-12T09:30:00+08:00')] }, keys.hlt).expect(200);
    expect(batch.body.outcomes.map((o: { status: string }) => o.status)).toEqual(['REGISTERED', 'REGISTERED']);
    const row = (subject: string, date: string) => logLine({ accountId: HLT_USER, date, time: '10:00:00', operationCode: 'LI_ENROLMENT', subject, caseNumber: '114衛疾字第0001號', reason: '防疫補助資格審查', result: '成功' });
    const file = encode([LOG_HEADER, row(SUBJECTS[0], '114/03/05'), row(SUBJECTS[2], '114/03/07')].join('\r\n') + '\r\n', 'BIG5');
    await t.http().post('/query-logs?agency=HLT&month=2025-03&fileName=HLT_202503.csv').set('X-API-Key', keys.hlt).set('Content-Type', 'text/csv').send(file).expect(201);
    // 要點 十二(一): the month is closed; a checkpoint signed since seeds its sample, drawn and partly compared.
    await t.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).send({}).expect(201);
    const draw = await send('/checks/monthly/HLT/2025-03/draw', {}, keys.hlt);
    expect([draw.status, draw.body.code, draw.body.message]).toEqual([201, undefined, undefined]);
    const drawn = (await t.http().get('/checks/monthly/HLT/2025-03').set('X-API-Key', keys.hlt).expect(200)).body.state as { sample: string[] };
    await send('/checks/monthly/HLT/2025-03/comparisons', { entryId: drawn.sample[0], outcome: 'MATCH', registrationId: 'HLT_R1', note: '案號相符' }, keys.hlt).expect(201);
  }

  async function listen() {
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  }

  async function signIn(key: string, hash = ''): Promise<Page> {
    const context = await browser.newContext({ locale: 'zh-TW', timezoneId: 'Asia/Taipei', viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${base}/console/${hash}`);
    // By keyboard only: the field has focus, Enter submits.
    await page.getByLabel('API 金鑰').fill(key);
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: '主選單' }).waitFor();
    return page;
  }
  const menu = async (page: Page) => page.getByRole('navigation', { name: '主選單' }).getByRole('link').allTextContents();
  const shot = (page: Page, name: string, fullPage = true) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });

  beforeAll(async () => {
    // The console as `npm start` builds it, into a folder of this run's own.
    consoleDir = mkdtempSync(join(tmpdir(), 'ledger-console-'));
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'apps/console/vite.config.mjs', '--outDir', consoleDir, '--emptyOutDir'], { cwd: ROOT, stdio: 'pipe', timeout: 60_000, env: { ...process.env, NODE_ENV: 'production' } });
    process.env.LEDGER_CONSOLE_DIR = consoleDir;
    mkdirSync(ARTIFACTS, { recursive: true });

    t = await startTestApp({}, { keepData: true });
    const issue = async (principalId: string, roles: string[], agencies: string[]) =>
      (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId, roles, agencies }).expect(201)).body.apiKey as string;
    keys.auditor = await issue('auditor_bli', ['auditor'], []);
    keys.ethics = await issue('ethics_1', ['ethics'], []);
    keys.swd = await issue('svc_swd', ['integrator'], ['SWD']);
    keys.lab = await issue('svc_lab', ['integrator'], ['LAB']);

    await send('/agencies', { agencyCode: 'SWD', name: '臺北市政府社會局', role: 'DATA_REQUESTER', occurredAt: '2025-01-02T09:00:00+08:00' }).expect(201);
    await send('/agencies', { agencyCode: 'LAB', name: '臺北市政府勞動局', role: 'COMPETENT_AUTHORITY', occurredAt: '2025-01-02T09:00:00+08:00' }).expect(201);
    // 要點 二(三): only the competent authority approves a requester for WebIR.
    await send('/agencies/SWD/approval', { reference: 'ref', occurredAt: '2025-01-03T09:00:00+08:00' }, keys.lab).expect(201);
    const form = await send('/applications', { applicationId: 'SWD_u1', agencyCode: 'SWD', kind: 'USER_ACCOUNT_ADD', holder: { nationalId: PERSON.nationalId }, occurredAt: '2025-03-01T09:00:00+08:00' }).expect(201);
    accountId = form.body.accountId;
    await send('/applications/SWD_u1/approvals', { step: 'SUPERVISOR', occurredAt: '2025-03-02T09:00:00+08:00' }).expect(201);
    await send('/accounts', {
      agencyCode: 'SWD', kind: 'USER', applicationId: 'SWD_u1', holder: PERSON, myEGovAccountId: 'egov_chen', certificateBound: true,
      post: '社工員', unit: '社會救助科', occurredAt: '2025-03-03T09:00:00+08:00',
    }, keys.swd).expect(201);
    await send(`/accounts/${accountId}/post-changes`, { effectiveDate: '2025-06-30', newUnit: '社會福利科', occurredAt: '2025-06-01T09:00:00+08:00' }, keys.swd).expect(201);
    await send(`/accounts/${accountId}/disable`, { reason: '調任', occurredAt: '2025-07-05T09:00:00+08:00' }, keys.swd).expect(201);
    await seedQueryMonth();
    await caughtUp();
    await listen();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Playwright gives every launch a fresh, temporary profile (user data dir).
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rmSync(t?.dataDir ?? '', { recursive: true, force: true });
    rmSync(consoleDir, { recursive: true, force: true });
    delete process.env.LEDGER_CONSOLE_DIR;
  });

  it('first load stays under 300 kB of JavaScript, gzip', () => {
    const dir = join(consoleDir, 'assets');
    const kB = readdirSync(dir).filter((f) => f.endsWith('.js')).reduce((sum, f) => sum + gzipSync(readFileSync(join(dir, f))).length, 0) / 1024;
    process.stdout.write(`console first load: ${kB.toFixed(1)} kB JS gzip\n`);
    expect(kB).toBeLessThan(300);
  });

  it('signs in with a key kept for the tab only; the menu follows the roles; a bad key is refused', async () => {
    const bad = await browser.newPage();
    await bad.goto(`${base}/console/`);
    await bad.getByLabel('API 金鑰').fill('not-a-key-0000000000');
    await bad.getByRole('button', { name: '登入' }).click();
    await expectText(bad.getByRole('alert').first(), '金鑰無效');
    await bad.close();

    const integrator = await signIn(keys.swd);
    expect(await menu(integrator)).toEqual(['使用者清冊', '義務', '查詢與勾稽', '抽查']);
    // Its own agency's roster, without holders (withheld from integrators).
    await expectText(integrator.getByTestId('roster-table'), '(不提供)');
    // The key and whom it names, for this tab only: nothing in local storage or cookies.
    expect(await integrator.evaluate('[Object.keys(sessionStorage).sort(), localStorage.length, document.cookie]')).toEqual([['webir-ledger.apiKey', 'webir-ledger.me'], 0, '']);
    expect(await integrator.evaluate("sessionStorage.getItem('webir-ledger.me')")).not.toContain(keys.swd);
    await integrator.context().close();

    const auditor = await signIn(keys.auditor);
    expect(await menu(auditor)).toEqual(['總覽', '使用者清冊', '義務', '查詢與勾稽', '抽查', '異常', '帳本', '稽核包']);
    // Keyboard: Tab from the skip link reaches the menu.
    await auditor.keyboard.press('Tab');
    await auditor.keyboard.press('Tab');
    expect(await auditor.evaluate('document.activeElement?.textContent')).toBe('總覽');
    await auditor.context().close();
  });

  it('the dashboard shows the overdue count the API returns, kinds by their title, and the record of verification runs', async () => {
    const fromApi = (await api('/obligations?state=overdue').expect(200)).body.count as number;
    expect(fromApi).toBeGreaterThan(0);
    // A run started elsewhere (another tab, another person): the dashboard shows it from the service's record.
    const earlier = await t.http().post('/ledger/verify/jobs').set('X-API-Key', keys.ethics).send({}).expect(202);
    const page = await signIn(keys.auditor, '#/dashboard');
    await expectText(page.getByTestId('overdue-total'), String(fromApi));
    // 要點 point and title, never the code.
    const chart = page.getByTestId('kind-chart');
    await expectText(chart, '要點 六(五) 使用者職務異動,於異動前或當日調整權限或刪除帳號');
    expect(await chart.textContent()).not.toContain('ADJUST_OR_REMOVE_MOVED_USER');
    const runs = page.getByTestId('verify-runs').locator('tbody tr');
    await expectText(runs.first(), 'ethics_1');
    expect(earlier.body.id).toBeDefined();
    await page.getByTestId('checkpoint').waitFor();
    await page.getByRole('button', { name: '立即驗證帳本' }).click();
    await expectText(runs.first(), 'auditor_bli');
    await expectText(runs.first(), '完整無誤');
    expect(await runs.count()).toBe(2);
    await shot(page, 'dashboard');
    await page.context().close();
  });

  it('GET /obligation-summary counts what GET /obligations lists, at any time; integrators are refused', async () => {
    for (const query of ['', '?asOf=2025-06-15', '?asOf=2025-07-04&knownAt=2025-06-02']) {
      const listed = (await api(`/obligations${query}`).expect(200)).body.obligations as { state: string; metLate: boolean; kind: string }[];
      const summary = (await api(`/obligation-summary${query}`).expect(200)).body;
      const count = (state: string) => listed.filter((o) => o.state === state).length;
      expect(summary.totals).toEqual({ open: count('open'), overdue: count('overdue'), met: count('met'), metLate: listed.filter((o) => o.metLate).length });
      for (const k of summary.byKind) expect(k.open + k.overdue + k.met).toBe(listed.filter((o) => o.kind === k.kind).length);
    }
    expect((await api('/obligation-summary?asOf=2025-02-30').expect(400)).body.fields[0].field).toBe('asOf');
    await api('/obligation-summary', keys.swd).expect(403);
    const kinds = (await api('/obligation-kinds', keys.swd).expect(200)).body.kinds as { kind: string; title: string }[];
    expect(kinds.find((k) => k.kind === 'ADJUST_OR_REMOVE_MOVED_USER')?.title).toBe('使用者職務異動,於異動前或當日調整權限或刪除帳號');
  });

  it("the roster's as-of pickers change the rows as the API says", async () => {
    const page = await signIn(keys.auditor, '#/roster?agency=SWD');
    const rows = page.getByTestId('roster-table').locator('tbody tr');
    for (const asOf of ['2025-03-02', '2025-07-04']) {
      const expected = (await api(`/agencies/SWD/roster?asOf=${asOf}`).expect(200)).body.entries as { statusLabel: string }[];
      await page.getByLabel('業務日期(當日有效者)').fill(asOf);
      await page.getByRole('button', { name: '查詢' }).click();
      await page.waitForURL(`**asOf=${asOf}**`);
      await expectText(page.getByTestId('roster-as-of'), `共 ${expected.length} 筆`);
      expect(await rows.count()).toBe(expected.length);
      for (const [i, e] of expected.entries()) expect(await rows.nth(i).textContent()).toContain(e.statusLabel);
    }
    // Both together: in force on 2025-07-04 as the ledger knew it before anything was recorded.
    await page.getByLabel('帳本時間(臺北時間,帳本當時所知)').fill('2025-01-01T09:00');
    await page.getByRole('button', { name: '查詢' }).click();
    await expectText(page.getByTestId('roster-as-of'), '共 0 筆');
    expect(page.url()).toContain('knownAt=2025-01-01T09%3A00%3A00%2B08%3A00');
    await shot(page, 'roster');
    await page.context().close();
  });

  it('reveal refuses an empty purpose, and with one shows the audit event it appended; no personal data in the URL', async () => {
    const page = await signIn(keys.ethics, '#/roster?agency=SWD&asOf=2025-07-04');
    await page.getByTestId('roster-table').waitFor();
    const before = await personalDataReads();
    await page.getByRole('button', { name: '揭露' }).click();
    await expectText(page.locator('#reveal-error'), '須填寫目的');
    expect(await personalDataReads()).toBe(before);
    await expect(page.getByTestId('roster-table').textContent()).resolves.not.toContain(PERSON.nationalId);

    await page.getByLabel('查閱目的(必填,將記入帳本)').fill('政風查處案 114-07');
    await page.getByRole('button', { name: '揭露' }).click();
    await expectText(page.getByTestId('audit-event'), 'PersonalDataRead');
    await expectText(page.getByTestId('audit-event'), '政風查處案 114-07');
    await expectText(page.getByTestId('roster-table'), PERSON.nationalId);
    expect(await personalDataReads()).toBe(before + 1);
    expect(decodeURIComponent(page.url())).not.toMatch(/政風查處案|B223456782|陳美玲|purpose|reveal/);
    await shot(page, 'roster-revealed');
    await page.context().close();
  });

  it('obligations list their creating and meeting events', async () => {
    const page = await signIn(keys.auditor, '#/obligations?agency=SWD&kind=ADJUST_OR_REMOVE_MOVED_USER');
    const row = page.locator('tbody tr').first();
    await expectText(row, 'AccountPostChanged');
    await expectText(row, 'AccountDisabled');
    await expectText(row, '逾期始辦');
    await shot(page, 'obligations');
    await page.context().close();
  });

  it('查詢與勾稽: the month\'s reconciliation and logged queries as the API gives them, unregistered ones alone, a CSV download', async () => {
    const summary = (await api('/query-reconciliation?agency=HLT&month=2025-03').expect(200)).body;
    expect(summary).toMatchObject({ registered: 2, logged: 2, matched: 1, unregistered: 1, notPerformed: 1 });
    const page = await signIn(keys.auditor, '#/queries?agency=HLT&month=2025-03');
    const figures = page.getByTestId('reconciliation');
    await expectText(figures, '未登記查詢');
    for (const k of ['registered', 'logged', 'matched', 'unregistered', 'notPerformed', 'unexplained']) {
      expect(await figures.locator(`[data-figure="${k}"]`).textContent()).toBe(String(summary[k]));
    }
    await expectText(page.getByRole('heading', { level: 2 }).first(), '民國114年03月');
    const rows = page.getByTestId('logged-queries').locator('tbody tr');
    await expectText(rows.first(), '民國114年03月05日');
    expect(await rows.count()).toBe(2);
    expect(await page.getByTestId('registrations').locator('tbody tr').count()).toBe(2);
    await expectText(page.getByTestId('logged-queries'), '未登記,待說明');

    await page.getByLabel('只看未登記之查詢').check();
    await page.getByRole('button', { name: '查詢', exact: true }).click();
    await page.waitForURL('**registered=false**');
    await expectText(page.locator('#logged-title'), '日誌查詢紀錄(未登記)');
    await expectText(page.getByTestId('logged-count'), '已載入 1 筆');
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-registered')))).toEqual(['false']);

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下載勾稽結果 CSV' }).click()]);
    expect(csv.suggestedFilename()).toBe('reconciliation-HLT-2025-03.csv');
    const text = readFileSync((await csv.path())!, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toContain('未登記查詢');
    await shot(page, 'queries');
    await page.context().close();

    // The agency itself: its own month, never a subject's person id, no search by subject.
    const own = await signIn(keys.hlt, '#/queries?month=2025-03');
    await expectText(own.getByTestId('logged-queries'), '114衛疾字第0001號');
    expect(await own.getByTestId('logged-queries').textContent()).not.toContain('person_');
    expect(await own.getByRole('heading', { name: /依被查詢人搜尋/ }).count()).toBe(0);
    await own.context().close();
  });

  it('查詢與勾稽: 政風 search by subject needs a purpose, is recorded in the ledger, and keeps the number out of the URL', async () => {
    const page = await signIn(keys.ethics, '#/queries?agency=HLT&month=2025-03');
    await page.getByTestId('reconciliation').waitFor();
    const before = await personalDataReads();
    await page.getByLabel('被查詢人身分證統一編號或居留證號').fill(SUBJECTS[2]);
    await page.getByRole('button', { name: '搜尋' }).click();
    await expectText(page.getByRole('alert').filter({ hasText: '目的' }), '須填寫目的');
    expect(await personalDataReads()).toBe(before);
    await page.getByLabel('查閱目的(必填,將記入帳本)').fill('政風查處案 114-09');
    await page.getByRole('button', { name: '搜尋' }).click();
    await expectText(page.getByTestId('subject-results'), '找到 1 筆');
    await expectText(page.getByTestId('subject-results'), '未登記,待說明');
    expect(await personalDataReads()).toBe(before + 1);
    expect(decodeURIComponent(page.url())).not.toContain(SUBJECTS[2]);
    expect(await page.evaluate('JSON.stringify(sessionStorage)')).not.toContain(SUBJECTS[2]);
    await page.context().close();
  });

  it('抽查: the month\'s sample and comparisons as recorded, its seed recomputed in the browser from the published seed material', async () => {
    const record = (await api('/checks/monthly/HLT/2025-03').expect(200)).body.state as { population: number; sampleSize: number; seed: string; sample: string[]; compared: Record<string, string> };
    const recomputed = (await api('/checks/monthly/HLT/2025-03/sample').expect(200)).body;
    expect(recomputed.matches).toBe(true);
    const page = await signIn(keys.ethics, '#/checks?agency=HLT&month=2025-03');
    await expectText(page.getByTestId('population'), String(record.population));
    expect(await page.getByTestId('sample-size').textContent()).toBe(String(record.sampleSize));
    const rows = page.getByTestId('sample-entries').locator('tbody tr');
    expect(await rows.count()).toBe(record.sample.length);
    await expectText(rows.nth(0), '相符');
    await expectText(rows.nth(1), '未比對');
    // The seed: SHA-256 of the seed material, recomputed by the browser, equal to the recorded one.
    await expectText(page.getByTestId('browser-seed'), record.seed);
    await expectText(page.getByTestId('browser-seed'), '相符');
    await expectText(page.getByTestId('seed').locator('pre'), 'month 2025-03');
    await expectText(page.getByTestId('sample-matches'), '逐筆相同');
    await shot(page, 'checks');
    await page.context().close();
  });

  it('異常: 政風 see the anomalies the API lists, the evidence side by side and masked, reveal with a purpose (recorded), and open an investigation', async () => {
    const listed = (await api('/ethics/anomalies?agency=HLT&month=2025-03', keys.ethics).expect(200)).body.anomalies as { anomalyId: string; kind: string }[];
    const unregistered = listed.find((a) => a.kind === 'UNREGISTERED_QUERY')!;
    expect(unregistered).toBeDefined();
    const page = await signIn(keys.ethics, '#/anomalies?agency=HLT&month=2025-03');
    const rows = page.getByTestId('anomalies').locator('tbody tr');
    await expectText(rows.first(), '要點');
    expect(await rows.count()).toBe(listed.length);
    await expectText(page.getByTestId('anomalies'), '查詢未填登記表');
    await expectText(page.getByTestId('anomaly-counts'), '民國114年03月');

    await page.getByRole('button', { name: `檢視異常 ${unregistered.anomalyId} 之證據` }).click();
    const detail = page.getByTestId('anomaly-detail');
    await expectText(detail.getByTestId('evidence').first(), '無相符之登記');
    await expectText(detail.getByTestId('masked'), '已遮蔽');
    expect(await detail.getByTestId('log-subject').first().textContent()).not.toBe(SUBJECTS[2]);
    const before = await personalDataReads();
    await detail.getByRole('button', { name: '揭露被查詢人' }).click();
    await expectText(detail.getByRole('alert'), '須填寫目的');
    expect(await personalDataReads()).toBe(before);
    await detail.getByLabel('揭露目的(必填,將記入帳本)').fill('政風查處案 114-11');
    await detail.getByRole('button', { name: '揭露被查詢人' }).click();
    await expectText(detail.getByTestId('masked'), '已揭露');
    expect(await detail.getByTestId('log-subject').first().textContent()).toBe(SUBJECTS[2]);
    expect(await personalDataReads()).toBe(before + 1);
    expect(decodeURIComponent(page.url())).not.toMatch(new RegExp(`${SUBJECTS[2]}|政風查處案|purpose|reveal`));
    await shot(page, 'anomalies');

    await detail.getByLabel('調查案號').fill('ETH_HLT_2025_001');
    await detail.getByLabel('案由').fill('未填登記表之查詢');
    await detail.getByRole('button', { name: '開啟調查' }).click();
    await expectText(page.getByTestId('investigations'), 'ETH_HLT_2025_001');
    expect((await api('/ethics/investigations/ETH_HLT_2025_001', keys.ethics).expect(200)).body).toMatchObject({ anomalyIds: [unregistered.anomalyId], state: 'OPEN' });
    await page.context().close();
  });

  it('異常: investigations show their notes, evidence references and conclusion; 政風 add them from the page, each recorded in the ledger', async () => {
    const events = async () => (await t.app.get<EventStore>(EVENT_STORE).readAll()).filter((e) => e.streamId === 'investigation-ETH_HLT_2025_001').map((e) => e.type);
    const page = await signIn(keys.ethics, '#/anomalies?agency=HLT&investigation=ETH_HLT_2025_001');
    const detail = page.getByTestId('investigation-detail');
    await expectText(detail.getByTestId('investigation-conclusion'), '尚未結案');
    await detail.getByLabel('紀要', { exact: true }).fill('114年4月3日約談當事人,說明查詢原因');
    await detail.getByRole('button', { name: '新增紀要' }).click();
    await expectText(detail.getByTestId('investigation-notes'), '約談當事人');
    await detail.getByLabel('證據種類').selectOption('DOCUMENT');
    await detail.getByLabel('參照(帳本位置或文號)').fill('政風室114年第12號簽');
    await detail.getByLabel('證據說明').fill('約談紀錄');
    await detail.getByRole('button', { name: '新增證據' }).click();
    await expectText(detail.getByTestId('investigation-evidence'), '政風室114年第12號簽');
    // A conclusion without a summary is refused before anything is sent.
    const before = await events();
    await detail.getByLabel('結案結論').selectOption('VIOLATION');
    await detail.getByRole('button', { name: '結案' }).click();
    await expectText(detail.getByRole('alert'), '結案須選擇結論並填寫摘要');
    expect(await events()).toEqual(before);
    await detail.getByLabel('結論摘要').fill('查詢非屬分案範圍,違反要點第八點');
    await detail.getByRole('button', { name: '結案' }).click();
    await expectText(detail.getByTestId('investigation-conclusion'), '違規');
    expect(await events()).toEqual(['InvestigationOpened', 'InvestigationNoteAdded', 'InvestigationEvidenceAdded', 'InvestigationConcluded']);
    // Concluded: nothing more to add.
    expect(await detail.getByRole('button', { name: '新增紀要' }).count()).toBe(0);
    await page.context().close();

    // The list, as an auditor reads it: each investigation with its notes, evidence and conclusion as the API gives them.
    const listed = (await t.http().get('/ethics/investigations?agency=HLT').set('X-API-Key', keys.auditor).expect(200)).body.investigations[0];
    expect(listed).toMatchObject({ state: 'CONCLUDED', conclusion: 'VIOLATION', summary: '查詢非屬分案範圍,違反要點第八點', notes: [{ noteNo: 1 }], evidence: [{ evidenceNo: 1, kind: 'DOCUMENT' }] });
    const auditor = await signIn(keys.auditor, '#/anomalies?agency=HLT');
    const card = auditor.locator('[data-testid="investigation"][data-id="ETH_HLT_2025_001"]');
    await expectText(card, '已結案');
    await expectText(card.getByTestId('investigation-conclusion'), '違規');
    await expectText(card.getByTestId('investigation-conclusion'), listed.summary);
    await expectText(card.getByTestId('investigation-conclusion'), `報告期限 民國${Number(listed.jointAudit.dueDate.slice(0, 4)) - 1911}年`);
    expect(await card.getByTestId('investigation-notes').locator('li').allTextContents()).toEqual([expect.stringContaining(listed.notes[0].text)]);
    expect(await card.getByTestId('investigation-evidence').locator('tbody tr').count()).toBe(listed.evidence.length);
    await expectText(card.getByTestId('investigation-evidence'), '文件');
    await expectText(card.getByTestId('investigation-evidence'), listed.evidence[0].reference);
    await shot(auditor, 'investigations');
    // Auditors read; only 政風 write.
    await auditor.goto(`${base}/console/#/anomalies?agency=HLT&investigation=ETH_HLT_2025_001`);
    await expectText(auditor.getByTestId('investigation-detail'), '約談紀錄');
    expect(await auditor.getByRole('button', { name: '新增紀要' }).count()).toBe(0);
    await auditor.context().close();
  });

  it('稽核包: starts a package, follows its progress and downloads a zip that verifies against the public key', async () => {
    const generated = async () => (await t.app.get<EventStore>(EVENT_STORE).readAll()).filter((e) => e.type === 'InspectionPackageGenerated').length;
    const before = await generated();
    const page = await signIn(keys.auditor, '#/packages');
    await page.getByLabel('機關代碼').fill('SWD');
    await page.getByLabel('期間起日').fill('2025-01-01');
    await page.getByLabel('期間迄日').fill('2025-12-31');
    await page.getByRole('button', { name: '產製稽核包' }).click();
    const job = page.getByTestId('package-job').first();
    await expectText(job, '已完成');
    expect(page.url()).toContain('agency=SWD');
    await expectText(job, '使用者清冊');
    const [file] = await Promise.all([page.waitForEvent('download'), job.getByRole('button', { name: '下載稽核包' }).click()]);
    expect(file.suggestedFilename()).toBe('package-SWD-2025-01-01-2025-12-31.zip');
    const zip = readFileSync((await file.path())!);
    const publicKey = (await t.http().get('/ledger/public-key').expect(200)).body.verifierKey as string;
    const verified = await verifyPackage(zip, { publicKeys: [parseVerifierKey(publicKey)] });
    expect(verified.failures).toEqual([]);
    expect(verified.ok).toBe(true);
    // Holders masked: the package was not asked to reveal them.
    const { entries } = await readZip(zip);
    const roster = [...entries].find(([name]) => name.includes('使用者清冊'))![1].toString('utf8');
    expect(roster).not.toContain(PERSON.nationalId);
    expect(await generated()).toBe(before + 1);
    await shot(page, 'packages');
    await page.context().close();

    // The list is the service's, not the tab's: a new tab of the same auditor sees the job.
    const again = await signIn(keys.auditor, '#/packages');
    await expectText(again.getByTestId('package-job').first(), '已完成');
    expect(await again.getByTestId('package-job').count()).toBe((await api('/packages/jobs').expect(200)).body.jobs.length);
    await again.context().close();

    // 政風 do not make packages: no menu entry, and the page is not theirs.
    const ethics = await signIn(keys.ethics, '#/packages');
    expect(await menu(ethics)).not.toContain('稽核包');
    await ethics.context().close();
  });

  it('the stream browser checks the chain and an inclusion proof in the browser against the public key', async () => {
    await t.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).send({}).expect(201);
    const page = await signIn(keys.auditor, `#/ledger?stream=account-${accountId}`);
    await expectText(page.getByTestId('chain-summary'), '逐環相連');
    const links = page.getByTestId('chain-link');
    expect(await links.count()).toBe(3);
    expect(await links.evaluateAll((els) => els.map((e) => e.getAttribute('data-broken')))).toEqual(['false', 'false', 'false']);
    await links.first().getByRole('button', { name: /包含證明/ }).click();
    await expectText(page.getByTestId('proof-result'), '證明有效');
    await page.getByLabel('版本', { exact: true }).selectOption('0');
    await expectText(page.getByTestId('state-revision'), '第 0 版');
    await expectText(page.locator('pre').first(), '社會救助科');
    await shot(page, 'ledger');
    await page.context().close();
  });

  it('the stream browser pages past 1,000 events, checking each page\'s first link against the page before', async () => {
    const store = t.app.get<EventStore>(EVENT_STORE);
    const stream = 'pdaccess-20250101';
    const TOTAL = 2100;
    for (let done = 0; done < TOTAL; done += 500) {
      const batch = Array.from({ length: Math.min(500, TOTAL - done) }, () => {
        const id = randomUUID();
        return {
          eventId: id,
          type: 'PersonalDataRead',
          data: { reader: 'ethics_1', roles: ['ethics'], purpose: '政風查處', route: 'GET /agencies/:code/roster', agencyCode: 'SWD', accountIds: [accountId], fields: ['nationalId'] },
          metadata: { $correlationId: id, $causationId: id, commandId: id, actor: 'ethics_1', occurredAt: '2025-01-01T01:00:00.000Z' },
        };
      });
      await store.append(stream, batch, 'any');
    }
    await t.http().post('/ledger/checkpoints').set('X-API-Key', ADMIN_KEY).send({}).expect(201);
    const page = await signIn(keys.auditor, `#/ledger?stream=${stream}`);
    const links = page.getByTestId('chain-link');
    const summary = page.getByTestId('chain-summary');
    await expectText(summary, `共 ${TOTAL} 筆事件,本頁第 0 至 999 版`);
    expect(await links.count()).toBe(1000);
    const pager = page.getByRole('navigation', { name: '事件分頁', exact: true });
    await pager.getByRole('button', { name: '下一頁' }).click();
    await expectText(summary, '本頁第 1000 至 1999 版');
    await expectText(summary, '逐環相連');
    await expectText(summary, '與前一頁最後一筆相接');
    expect(page.url()).toContain('from=1000');
    expect(await links.first().getAttribute('data-revision')).toBe('1000');
    expect(await links.evaluateAll((els) => els.filter((e) => e.getAttribute('data-broken') !== 'false').length)).toBe(0);
    await pager.getByRole('button', { name: '最後一頁' }).click();
    await expectText(summary, `本頁第 2000 至 ${TOTAL - 1} 版(${TOTAL - 2000} 筆)`);
    expect(await links.count()).toBe(TOTAL - 2000);
    await pager.getByLabel('跳至版本').fill('1500');
    await pager.getByRole('button', { name: '前往' }).click();
    await expectText(summary, '本頁第 1000 至 1999 版');
    // A thousand events make a very tall page: the visible part only.
    await shot(page, 'ledger-paged', false);
    await page.context().close();

    // A link to an event by its position (as obligations give) opens the page that holds it.
    const target = (await api(`/ledger/streams/${stream}?fromRevision=1500&maxCount=1`).expect(200)).body.events[0];
    const linked = await signIn(keys.auditor, `#/ledger?stream=${stream}&position=${target.position}`);
    await expectText(linked.getByTestId('chain-summary'), '本頁第 1000 至 1999 版');
    expect(await linked.locator('[data-testid="chain-link"][aria-current="true"]').getAttribute('data-revision')).toBe('1500');
    await linked.context().close();
  });

  it('after the file is tampered with, the stream browser shows the broken link', async () => {
    await t.close();
    const db = new Database(join(t.dataDir, 'events.db'));
    db.exec('DROP TRIGGER events_refuse_update;');
    db.prepare("UPDATE events SET data = json_set(data, '$.unit', '竄改科') WHERE stream_id = ? AND revision = 0").run(`account-${accountId}`);
    // The last event of the paged stream's first page claims another hash: the next page's first link must not follow it.
    db.prepare("UPDATE events SET metadata = json_set(metadata, '$.hash', ?) WHERE stream_id = 'pdaccess-20250101' AND revision = 999").run('f'.repeat(64));
    db.close();
    t = await startTestApp({}, { dataDir: t.dataDir, keepData: true });
    await listen();
    const page = await signIn(keys.auditor, `#/ledger?stream=account-${accountId}`);
    await expectText(page.getByTestId('chain-summary'), '斷裂或內容不符');
    const links = page.getByTestId('chain-link');
    expect(await links.evaluateAll((els) => els.map((e) => e.getAttribute('data-broken')))).toEqual(['true', 'false', 'false']);
    await expectText(links.first(), '內容遭竄改');
    await links.first().getByRole('button', { name: /包含證明/ }).click();
    await expectText(page.getByTestId('proof-result'), '證明無效');
    await shot(page, 'ledger-tampered');
    await page.context().close();

    const paged = await signIn(keys.auditor, '#/ledger?stream=pdaccess-20250101&from=1000');
    await expectText(paged.getByTestId('chain-summary'), '本頁第 1000 至 1999 版');
    await expectText(paged.getByTestId('chain-summary'), '有 1 處斷裂或內容不符');
    const first = paged.getByTestId('chain-link').first();
    expect(await first.getAttribute('data-broken')).toBe('true');
    await expectText(first, '斷鏈');
    await paged.context().close();
  });

  it('稽核包 after a restart: the jobs made before it are listed and downloadable, one cut short by it is shown as interrupted', async () => {
    const jobs = (await api('/packages/jobs').expect(200)).body.jobs as { id: string; state: string }[];
    expect(jobs.map((j) => j.state)).toContain('done');
    await t.close();
    // What a process killed mid-package leaves: a job still marked running (by an app of this very process).
    const orphan = new PackageJobLog(join(t.dataDir, 'package-jobs.db'), { id: `${hostname()}:${process.pid}:0dead000`, host: hostname(), pid: process.pid });
    const cut = randomUUID();
    orphan.started({ id: cut, state: 'running', agencyCode: 'SWD', from: '2025-07-01', to: '2025-09-30', holders: 'masked', requestedBy: 'auditor_bli', startedAt: new Date().toISOString(), eventsRead: 0 }, join(t.dataDir, 'packages', `${cut}.zip`));
    orphan.progress(cut, 40, 120, new Date().toISOString());
    orphan.close();
    t = await startTestApp({}, { dataDir: t.dataDir, keepData: true });
    await listen();
    const page = await signIn(keys.auditor, '#/packages');
    const listed = page.getByTestId('package-job');
    await expectText(listed.first(), '已中斷');
    await expectText(listed.first(), '已讀取 40 / 120 筆事件');
    expect(await listed.first().getAttribute('data-state')).toBe('interrupted');
    expect(await listed.count()).toBe(jobs.length + 1);
    const done = page.locator('[data-testid="package-job"][data-state="done"]').first();
    const [file] = await Promise.all([page.waitForEvent('download'), done.getByRole('button', { name: '下載稽核包' }).click()]);
    expect(file.suggestedFilename()).toBe('package-SWD-2025-01-01-2025-12-31.zip');
    expect(readFileSync((await file.path())!).subarray(0, 2).toString()).toBe('PK');
    await shot(page, 'packages-after-restart');
    await page.context().close();
  });
});

/** Waits (bounded) for the text, then fails naming what was there. */
async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
  } catch {
    throw new Error(`expected "${text}" in ${locator}, found: ${await locator.first().textContent().catch(() => '(nothing)')}`);
  }
}

describe('the console served by the API (no browser needed)', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-console-static-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'assets', 'app.js'), 'export {};');
    process.env.LEDGER_CONSOLE_DIR = dir;
    t = await startTestApp({ LEDGER_RATE_LIMIT_ANON_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await t.close();
    delete process.env.LEDGER_CONSOLE_DIR;
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the built files at /console without a key, and index.html for any other path under it', async () => {
    const index = await t.http().get('/console/').expect(200);
    expect(index.headers['content-type']).toContain('text/html');
    expect(index.text).toContain('<title>console</title>');
    const js = await t.http().get('/console/assets/app.js').expect(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await t.http().get('/console/roster').expect(200)).text).toContain('<title>console</title>');
    // Never a file outside the console's folder.
    const escape = await t.http().get('/console/%2e%2e/%2e%2e/package.json').expect(200);
    expect(escape.text).not.toContain('"name"');
    // A page load is several keyless requests: the keyless API budget (2 here) does not cover them.
    for (let i = 0; i < 4; i++) await t.http().get('/console/').expect(200);
  });

  it('GET /auth/me tells the caller its principal and roles, never the key', async () => {
    await t.http().get('/auth/me').expect(401);
    const key = (await t.http().post('/auth/keys').set('X-API-Key', ADMIN_KEY).send({ principalId: 'svc_swd', roles: ['integrator'], agencies: ['SWD'] }).expect(201)).body.apiKey as string;
    const me = await t.http().get('/auth/me').set('X-API-Key', key).expect(200);
    expect(me.body).toEqual({ principalId: 'svc_swd', roles: ['integrator'], agencies: ['SWD'] });
  });
});
