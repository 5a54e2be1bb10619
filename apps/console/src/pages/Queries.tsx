import { useEffect, useState } from 'react';
import { describeError, download, getJson, postJson, type Me } from '../api';
import { lastTaipeiMonth, rocDate, rocDateTime, rocMonth } from '../roc';
import { href, navigate } from '../router';

interface ImportFile {
  importId: string;
  fileName: string | null;
  period: string;
  encoding: string;
  lineCount: number;
  acceptedCount: number;
  rejectedCount: number;
  state: 'IMPORTING' | 'COMPLETED' | 'RECONCILED';
  startedAt: string;
  importedBy: string;
  matched: number;
  foundUnregistered: number;
  explained: number;
}

interface Reconciliation {
  agencyCode: string;
  month: string;
  window: { days: number };
  registered: number;
  performed: number;
  notPerformed: number;
  logged: number;
  matched: number;
  unregistered: number;
  explained: number;
  unexplained: number;
  loggedMoreThanOnce: number;
  severalRegistrations: number;
  duplicates: number;
  rejected: number;
  imports: number;
  importsIncomplete: number;
  files: ImportFile[];
}

interface LoggedQuery {
  importId: string;
  lineNo: number;
  accountId: string;
  loggedAt: string;
  operationCode: string;
  caseNumber: string;
  reason: string;
  outcomeCode: string;
  registered: boolean;
  registrations: number;
  duplicateOf: string | null;
  foundUnregistered: boolean;
  explained: 'EXPLANATION' | 'LATE_REGISTRATION' | null;
  evidence: { streamId: string; eventId: string; position: string };
  /** Auditors and 政風 only: the random person id, never the number. */
  subjectPersonId?: string;
}

interface Registration {
  registrationId: string;
  accountId: string;
  operationCode: string;
  plannedAt: string;
  caseNumber: string;
  reason: string;
}

interface Page<K extends string, T> {
  count: number;
  next: string | null;
  items: T[];
  key: K;
}

// The reconciliation's figures, in the order the monthly check reads them (要點 九(一)(二)、十二(一)).
const FIGURES: [keyof Reconciliation, string][] = [
  ['registered', '登記筆數'],
  ['performed', '已查詢之登記'],
  ['notPerformed', '未查詢之登記'],
  ['logged', '日誌查詢筆數'],
  ['matched', '勾稽相符'],
  ['unregistered', '未登記查詢'],
  ['explained', '已說明'],
  ['unexplained', '未說明'],
  ['loggedMoreThanOnce', '同一登記多次查詢'],
  ['severalRegistrations', '一筆查詢對應多筆登記'],
  ['duplicates', '重複日誌'],
  ['rejected', '拒收行數'],
  ['imports', '匯入檔案數'],
  ['importsIncomplete', '未完成匯入'],
];

const OUTCOMES: Record<string, string> = { FOUND: '成功', NOT_FOUND: '查無資料', FAILED: '失敗' };
const STATES: Record<ImportFile['state'], string> = { IMPORTING: '匯入中', COMPLETED: '已匯入', RECONCILED: '已勾稽' };

function matchLabel(q: LoggedQuery): { text: string; bad: boolean } {
  if (q.duplicateOf) return { text: '重複', bad: false };
  if (q.registered) return { text: `已登記(${q.registrations} 筆)`, bad: false };
  if (q.explained === 'EXPLANATION') return { text: '未登記,已說明', bad: false };
  if (q.explained === 'LATE_REGISTRATION') return { text: '未登記,已補登記', bad: false };
  return { text: '未登記,待說明', bad: true };
}

function LoggedTable({ queries, reader, caption }: { queries: LoggedQuery[]; reader: boolean; caption: string }) {
  return (
    <table data-testid="logged-queries">
      <caption className="skip">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">查詢時間</th><th scope="col">查詢者帳號</th><th scope="col">作業代號</th><th scope="col">案號</th><th scope="col">事由</th><th scope="col">結果</th><th scope="col">勾稽</th>
          {reader && <th scope="col">被查詢者代號</th>}
          <th scope="col">帳本證據</th>
        </tr>
      </thead>
      <tbody>
        {queries.map((q) => {
          const match = matchLabel(q);
          return (
            <tr key={`${q.importId}:${q.lineNo}`} data-registered={q.registered ? 'true' : 'false'}>
              <td>{rocDateTime(q.loggedAt)}</td>
              <td><code>{q.accountId}</code></td>
              <td>{q.operationCode}</td>
              <td>{q.caseNumber}</td>
              <td>{q.reason}</td>
              <td>{OUTCOMES[q.outcomeCode] ?? q.outcomeCode}</td>
              <td className={match.bad ? 'bad' : undefined}>{match.text}</td>
              {reader && <td><code>{q.subjectPersonId ?? ''}</code></td>}
              <td><a href={href('ledger', { stream: q.evidence.streamId, position: q.evidence.position })}>第 {q.lineNo} 行</a></td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** 政風: the queries about one person. The number stays in this form's memory: never in the URL. */
function SubjectSearch({ agency, month }: { agency: string; month: string }) {
  const [nationalId, setNationalId] = useState('');
  const [purpose, setPurpose] = useState('');
  const [error, setError] = useState('');
  const [found, setFound] = useState<LoggedQuery[] | null>(null);
  const search = async (e: React.FormEvent) => {
    e.preventDefault();
    setError('');
    if (!nationalId.trim()) return setError('請輸入被查詢人之身分證統一編號或居留證號。');
    if (purpose.trim().length < 2) return setError('依被查詢人搜尋須填寫目的(例如:政風查處案號),並將記入帳本。');
    try {
      const r = await postJson<{ queries: LoggedQuery[] }>('/logged-queries/search', { nationalId: nationalId.trim(), purpose: purpose.trim(), agency: agency || undefined, month: month || undefined });
      setFound(r.queries);
    } catch (err) {
      setFound(null);
      setError(describeError(err));
    }
  };
  return (
    <section className="panel" aria-labelledby="subject-title">
      <h2 id="subject-title">依被查詢人搜尋(要點 八、九(二))</h2>
      <p>搜尋本身將以 PersonalDataRead 事件記入帳本(查閱者、目的、時間)。號碼僅送至服務比對,不留存於網址或瀏覽器。</p>
      <form className="filters" onSubmit={(e) => void search(e)} aria-label="依被查詢人搜尋" noValidate>
        <label>被查詢人身分證統一編號或居留證號
          <input type="password" value={nationalId} onChange={(e) => setNationalId(e.target.value)} autoComplete="off" maxLength={12} />
        </label>
        <label>查閱目的(必填,將記入帳本)
          <input value={purpose} onChange={(e) => setPurpose(e.target.value)} autoComplete="off" size={30} />
        </label>
        <button type="submit">搜尋</button>
      </form>
      <p className="error" role="alert">{error}</p>
      {found && (
        <div data-testid="subject-results">
          <p role="status">找到 {found.length} 筆日誌查詢紀錄{found.length === 0 && '(號碼未曾被查詢,或不在此範圍)'}。</p>
          {found.length > 0 && <LoggedTable queries={found} reader caption="被查詢人之查詢紀錄" />}
        </div>
      )}
    </section>
  );
}

export function Queries({ me, params }: { me: Me; params: URLSearchParams }) {
  const reader = me.roles.some((r) => r === 'auditor' || r === 'ethics' || r === 'admin');
  const agency = params.get('agency') ?? (reader ? '' : me.agencies[0] ?? '');
  const month = params.get('month') ?? lastTaipeiMonth();
  const unregisteredOnly = params.get('registered') === 'false';
  const [form, setForm] = useState({ agency, month, unregisteredOnly });
  const [summary, setSummary] = useState<Reconciliation | null>(null);
  const [logged, setLogged] = useState<Page<'queries', LoggedQuery> | null>(null);
  const [registrations, setRegistrations] = useState<Page<'registrations', Registration> | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    setForm({ agency, month, unregisteredOnly });
    setSummary(null);
    setLogged(null);
    setRegistrations(null);
    setError('');
    if (!agency) return;
    const fail = (e: unknown) => setError(describeError(e));
    getJson<Reconciliation>('/query-reconciliation', { agency, month }).then(setSummary, fail);
    getJson<{ count: number; next: string | null; queries: LoggedQuery[] }>('/logged-queries', { agency, month, registered: unregisteredOnly ? 'false' : undefined, limit: '100' }).then(
      (r) => setLogged({ count: r.count, next: r.next, items: r.queries, key: 'queries' }),
      fail,
    );
    getJson<{ count: number; next: string | null; registrations: Registration[] }>('/query-registrations', { agency, month, limit: '100' }).then(
      (r) => setRegistrations({ count: r.count, next: r.next, items: r.registrations, key: 'registrations' }),
      fail,
    );
  }, [agency, month, unregisteredOnly]);

  const moreLogged = () => {
    if (!logged?.next) return;
    getJson<{ count: number; next: string | null; queries: LoggedQuery[] }>('/logged-queries', { agency, month, registered: unregisteredOnly ? 'false' : undefined, limit: '100', after: logged.next }).then(
      (r) => setLogged({ count: logged.count + r.count, next: r.next, items: [...logged.items, ...r.queries], key: 'queries' }),
      (e) => setError(describeError(e)),
    );
  };
  const moreRegistrations = () => {
    if (!registrations?.next) return;
    getJson<{ count: number; next: string | null; registrations: Registration[] }>('/query-registrations', { agency, month, limit: '100', after: registrations.next }).then(
      (r) => setRegistrations({ count: registrations.count + r.count, next: r.next, items: [...registrations.items, ...r.registrations], key: 'registrations' }),
      (e) => setError(describeError(e)),
    );
  };
  const csv = (path: string, extra: Record<string, string | undefined>, name: string) =>
    void download(path, { agency, month, format: 'csv', ...extra }, name).catch((e) => setError(describeError(e)));

  return (
    <>
      <h1>查詢與勾稽(要點 九(一)(二))</h1>
      <form className="filters" aria-label="勾稽條件" onSubmit={(e) => { e.preventDefault(); navigate('queries', { agency: form.agency.trim(), month: form.month, registered: form.unregisteredOnly ? 'false' : undefined }); }}>
        <label>機關代碼
          {!reader && me.agencies.length > 0 ? (
            <select name="agency" value={form.agency} onChange={(e) => setForm({ ...form, agency: e.target.value })}>
              {me.agencies.map((a) => <option key={a} value={a}>{a}</option>)}
            </select>
          ) : (
            <input name="agency" value={form.agency} onChange={(e) => setForm({ ...form, agency: e.target.value })} required pattern="[A-Za-z0-9_]{1,32}" />
          )}
        </label>
        <label>月份(臺北時間)
          <input type="month" name="month" value={form.month} onChange={(e) => setForm({ ...form, month: e.target.value })} required />
        </label>
        <label className="check">
          <input type="checkbox" checked={form.unregisteredOnly} onChange={(e) => setForm({ ...form, unregisteredOnly: e.target.checked })} /> 只看未登記之查詢
        </label>
        <button type="submit">查詢</button>
      </form>
      <p className="error" role="alert">{error}</p>
      {!agency && <p>請輸入機關代碼與月份。</p>}
      {summary && (
        <section className="panel" aria-labelledby="recon-title">
          <h2 id="recon-title">{summary.agencyCode} {rocMonth(summary.month)} 勾稽結果</h2>
          <p>比對條件:同一查詢者帳號、作業代號、被查詢人與案號,於登記預定時間之臺北日(容許 {summary.window.days} 日)內查詢。</p>
          <table data-testid="reconciliation" className="figures">
            <tbody>
              {FIGURES.map(([k, label]) => (
                <tr key={k}>
                  <th scope="row">{label}</th>
                  <td data-figure={k} className={(k === 'unexplained' || k === 'unregistered') && Number(summary[k]) > 0 ? 'bad' : undefined}>{String(summary[k])}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" className="secondary" onClick={() => csv('/query-reconciliation', {}, `reconciliation-${agency}-${month}.csv`)}>下載勾稽結果 CSV</button>
          <h3>匯入之日誌檔</h3>
          {summary.files.length === 0 ? <p>本月尚未匯入 WebIR 日誌。</p> : (
            <table>
              <thead><tr><th scope="col">檔名</th><th scope="col">匯入時間</th><th scope="col">編碼</th><th scope="col">行數</th><th scope="col">接受/拒收</th><th scope="col">相符/未登記/已說明</th><th scope="col">狀態</th><th scope="col">匯入者</th></tr></thead>
              <tbody>
                {summary.files.map((f) => (
                  <tr key={f.importId}>
                    <td><a href={href('ledger', { stream: `querylog-${f.importId}` })}>{f.fileName ?? f.importId}</a></td>
                    <td>{rocDateTime(f.startedAt)}</td>
                    <td>{f.encoding}</td>
                    <td>{f.lineCount}</td>
                    <td>{f.acceptedCount} / {f.rejectedCount}</td>
                    <td>{f.matched} / {f.foundUnregistered} / {f.explained}</td>
                    <td>{STATES[f.state] ?? f.state}</td>
                    <td>{f.importedBy}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
      {logged && (
        <section className="panel" aria-labelledby="logged-title">
          <h2 id="logged-title">日誌查詢紀錄{unregisteredOnly && '(未登記)'}</h2>
          <p data-testid="logged-count">已載入 {logged.items.length} 筆{logged.next && ',尚有更多'}</p>
          <button type="button" className="secondary" onClick={() => csv('/logged-queries', { registered: unregisteredOnly ? 'false' : undefined, limit: '1000' }, `logged-queries-${agency}-${month}.csv`)}>下載日誌查詢 CSV</button>
          {logged.items.length > 0 && <LoggedTable queries={logged.items} reader={reader} caption="日誌查詢紀錄" />}
          {logged.next && <button type="button" className="secondary" onClick={moreLogged}>載入更多</button>}
        </section>
      )}
      {registrations && (
        <section className="panel" aria-labelledby="reg-title">
          <h2 id="reg-title">查詢資料登記表(要點 九(一))</h2>
          <p data-testid="registration-count">已載入 {registrations.items.length} 筆{registrations.next && ',尚有更多'}</p>
          {registrations.items.length > 0 && (
            <table data-testid="registrations">
              <thead><tr><th scope="col">登記編號</th><th scope="col">預定查詢日</th><th scope="col">查詢者帳號</th><th scope="col">作業代號</th><th scope="col">案號</th><th scope="col">事由</th></tr></thead>
              <tbody>
                {registrations.items.map((r) => (
                  <tr key={r.registrationId}>
                    <td><a href={href('ledger', { stream: `queryregistration-${r.registrationId}` })}>{r.registrationId}</a></td>
                    <td>{rocDate(r.plannedAt)}</td>
                    <td><code>{r.accountId}</code></td>
                    <td>{r.operationCode}</td>
                    <td>{r.caseNumber}</td>
                    <td>{r.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {registrations.next && <button type="button" className="secondary" onClick={moreRegistrations}>載入更多</button>}
        </section>
      )}
      {reader && <SubjectSearch agency={agency} month={month} />}
    </>
  );
}
