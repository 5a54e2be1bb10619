import { useEffect, useState } from 'react';
import { describeError, download, getJson, postJson, type Me } from '../api';
import { rocDate, rocDateTime, rocMonth } from '../roc';
import { href, navigate } from '../router';

interface Anomaly {
  anomalyId: string;
  kind: string;
  severity: string;
  severityLabel: string;
  rule: string;
  title: string;
  agencyCode: string;
  accountId: string;
  month: string;
  firstSeenAt: string;
  lastSeenAt: string;
  evidenceCount: number;
  state: string;
  stateLabel: string;
  investigationId: string | null;
  qualifiers: string[];
}

interface Evidence {
  position: string;
  streamId: string;
  loggedQuery: string;
  queriedAt: string;
  logLine: { lineNo: number; accountId: string; loggedAt: string; operationCode: string; caseNumber?: string; reason?: string; outcomeCode?: string; subject: string | null } | null;
  registration: { registrationId: string; accountId: string; operationCode: string; plannedAt: string; caseNumber: string; reason: string; subject: string; position: string } | null;
  sameSubject: boolean | null;
}

interface Investigation {
  investigationId: string;
  agencyCode: string;
  title: string;
  anomalyIds: string[];
  state: 'OPEN' | 'CONCLUDED';
  conclusion: 'JUSTIFIED' | 'VIOLATION' | 'UNFOUNDED' | null;
  summary: string | null;
  jointAudit: { jointAuditId: string; rule: string; dueDate: string } | null;
  notes: { noteNo: number; text: string; at: string; by: string }[];
  evidence: { evidenceNo: number; kind: string; reference: string; description: string; at: string; by: string }[];
  openedAt: string;
  openedBy: string;
  concludedAt: string | null;
  concludedBy: string | null;
}

interface MonthCounts {
  agencyCode: string;
  month: string;
  total: number;
  byKind: Record<string, number>;
  byState: Record<string, number>;
}

const KINDS: [string, string][] = [
  ['SELF_QUERY', '查詢己身資料'],
  ['COLLEAGUE_QUERY', '查詢同僚資料'],
  ['DECLARED_RELATION', '查詢政風登錄之親屬或主管資料'],
  ['OFF_HOURS', '非上班時間查詢'],
  ['BULK', '短時間大量查詢'],
  ['REPEATED_SUBJECT', '同一對象重複查詢'],
  ['UNREGISTERED_QUERY', '查詢未填登記表'],
  ['QUERY_WHILE_INACTIVE', '帳號停用或刪除後之查詢'],
  ['ITEM_NOT_GRANTED', '查詢未授權之查調項目'],
  ['QUERY_DURING_SUSPENSION', '勞保局暫停或終止服務期間之查詢'],
];
const STATES: [string, string][] = [['OPEN', '待處理'], ['UNDER_INVESTIGATION', '調查中'], ['JUSTIFIED', '經查有正當理由'], ['VIOLATION', '違規'], ['UNFOUNDED', '查無不當']];
const CONCLUSIONS: Record<string, string> = { JUSTIFIED: '經查有正當理由', VIOLATION: '違規', UNFOUNDED: '查無不當' };
const EVIDENCE_KINDS: [string, string][] = [['LEDGER_EVENT', '帳本事件'], ['DOCUMENT', '文件'], ['OTHER', '其他']];
const evidenceKindLabel = (k: string) => EVIDENCE_KINDS.find(([id]) => id === k)?.[1] ?? k;
const kindLabel = (k: string) => KINDS.find(([id]) => id === k)?.[1] ?? k;
const newId = () => crypto.randomUUID();

/** One anomaly: each logged query beside the registration it matches (要點 八、九), subjects masked unless revealed with a purpose. */
function Detail({ id, me, onChanged }: { id: string; me: Me; onChanged: () => void }) {
  const isEthics = me.roles.includes('ethics') || me.roles.includes('admin');
  const [data, setData] = useState<{ anomaly: Anomaly; masked: boolean; evidence: Evidence[] } | null>(null);
  const [error, setError] = useState('');
  const [purpose, setPurpose] = useState('');
  const [open, setOpen] = useState({ investigationId: '', title: '' });
  const [opened, setOpened] = useState('');

  useEffect(() => {
    setData(null);
    setError('');
    setOpened('');
    getJson<{ anomaly: Anomaly; masked: boolean; evidence: Evidence[] }>(`/ethics/anomalies/${encodeURIComponent(id)}`).then(setData, (e) => setError(describeError(e)));
  }, [id]);

  const reveal = async (e: React.FormEvent) => {
    e.preventDefault();
    setError('');
    if (purpose.trim().length === 0) return setError('揭露被查詢人資料須填寫目的,並將記入帳本。');
    try {
      // The purpose goes to the API only; it never enters the console's address.
      setData(await getJson(`/ethics/anomalies/${encodeURIComponent(id)}`, { reveal: 'true', purpose: purpose.trim() }));
    } catch (err) {
      setError(describeError(err));
    }
  };

  const startInvestigation = async (e: React.FormEvent) => {
    e.preventDefault();
    setError('');
    if (!open.investigationId.trim() || !open.title.trim()) return setError('請填寫調查案號與案由。');
    try {
      await postJson('/ethics/investigations', { commandId: newId(), investigationId: open.investigationId.trim(), anomalyIds: [id], title: open.title.trim() });
      setOpened(open.investigationId.trim());
      onChanged();
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <section className="panel" aria-labelledby="detail-title" data-testid="anomaly-detail">
      <h2 id="detail-title">異常明細 <code>{id}</code></h2>
      <p className="error" role="alert">{error}</p>
      {data && (
        <>
          <p>
            {data.anomaly.rule} {data.anomaly.title}(嚴重度 {data.anomaly.severityLabel}),帳號 <code>{data.anomaly.accountId}</code>,
            {rocDateTime(data.anomaly.firstSeenAt)} 起,證據 {data.anomaly.evidenceCount} 筆,狀態 {data.anomaly.stateLabel}
            {data.anomaly.investigationId && <>(調查 <code>{data.anomaly.investigationId}</code>)</>}。此為待查之跡象,非違規之認定。
          </p>
          <p data-testid="masked">{data.masked ? '被查詢人資料已遮蔽。' : '已揭露被查詢人資料(本次查閱已記入帳本)。'}</p>
          {data.evidence.map((ev) => (
            <div key={ev.loggedQuery} className="side-by-side" data-testid="evidence">
              <div>
                <h3>日誌紀錄(要點 九(二))</h3>
                {ev.logLine ? (
                  <dl>
                    <dt>查詢時間</dt><dd>{rocDateTime(ev.logLine.loggedAt)}</dd>
                    <dt>查詢者帳號</dt><dd><code>{ev.logLine.accountId}</code></dd>
                    <dt>作業代號</dt><dd>{ev.logLine.operationCode}</dd>
                    <dt>案號</dt><dd>{ev.logLine.caseNumber ?? '—'}</dd>
                    <dt>事由</dt><dd>{ev.logLine.reason ?? '—'}</dd>
                    <dt>被查詢人</dt><dd data-testid="log-subject">{ev.logLine.subject ?? '—'}</dd>
                    <dt>帳本證據</dt><dd><a href={href('ledger', { stream: ev.streamId, position: ev.position })}>第 {ev.logLine.lineNo} 行(位置 {ev.position})</a></dd>
                  </dl>
                ) : <p>日誌紀錄無法讀取。</p>}
              </div>
              <div>
                <h3>查詢資料登記表(要點 九(一))</h3>
                {ev.registration ? (
                  <dl>
                    <dt>預定查詢時間</dt><dd>{rocDateTime(ev.registration.plannedAt)}</dd>
                    <dt>登記編號</dt><dd><a href={href('ledger', { stream: `queryregistration-${ev.registration.registrationId}` })}>{ev.registration.registrationId}</a></dd>
                    <dt>查詢者帳號</dt><dd><code>{ev.registration.accountId}</code></dd>
                    <dt>作業代號</dt><dd>{ev.registration.operationCode}</dd>
                    <dt>案號</dt><dd>{ev.registration.caseNumber}</dd>
                    <dt>事由</dt><dd>{ev.registration.reason}</dd>
                    <dt>被查詢人</dt><dd>{ev.registration.subject}{ev.sameSubject === false && <span className="bad">(與日誌不同人)</span>}</dd>
                  </dl>
                ) : <p className="bad">無相符之登記。</p>}
              </div>
            </div>
          ))}
          {isEthics && data.masked && (
            <form className="filters" onSubmit={(e) => void reveal(e)} aria-label="揭露被查詢人" noValidate>
              <label>揭露目的(必填,將記入帳本)
                <input value={purpose} onChange={(e) => setPurpose(e.target.value)} autoComplete="off" size={30} />
              </label>
              <button type="submit">揭露被查詢人</button>
            </form>
          )}
          {isEthics && data.anomaly.state === 'OPEN' && (
            <form className="filters" onSubmit={(e) => void startInvestigation(e)} aria-label="開啟調查" noValidate>
              <label>調查案號
                <input value={open.investigationId} onChange={(e) => setOpen({ ...open, investigationId: e.target.value })} pattern="[A-Za-z0-9_:]{1,64}" autoComplete="off" />
              </label>
              <label>案由
                <input value={open.title} onChange={(e) => setOpen({ ...open, title: e.target.value })} autoComplete="off" size={30} />
              </label>
              <button type="submit">開啟調查</button>
            </form>
          )}
          {opened && <p role="status" className="ok">已開啟調查 <a href={href('anomalies', { agency: data.anomaly.agencyCode, investigation: opened })}>{opened}</a>。</p>}
        </>
      )}
    </section>
  );
}

/** What an investigation holds (要點 八、十二(二)): its notes, evidence references and conclusion, in the order recorded. */
function InvestigationRecord({ doc }: { doc: Investigation }) {
  return (
    <>
      <p>
        {doc.agencyCode};{rocDateTime(doc.openedAt)} 由 {doc.openedBy} 開啟;狀態 <strong>{doc.state === 'OPEN' ? '調查中' : '已結案'}</strong>;異常:
        {doc.anomalyIds.map((a) => <a key={a} href={href('anomalies', { agency: doc.agencyCode, id: a })}> <code>{a}</code></a>)}
      </p>
      <div data-testid="investigation-conclusion">
        {doc.conclusion ? (
          <p>
            結論:<strong className={doc.conclusion === 'VIOLATION' ? 'bad' : undefined}>{CONCLUSIONS[doc.conclusion]}</strong>
            {doc.concludedAt && <>({rocDateTime(doc.concludedAt)}{doc.concludedBy && `,${doc.concludedBy}`})</>}
            {doc.summary && <>:{doc.summary}</>}
          </p>
        ) : <p>結論:尚未結案。</p>}
        {doc.jointAudit && <p className="bad">違規:已啟動聯合稽核({doc.jointAudit.rule}),報告期限 {rocDate(doc.jointAudit.dueDate)}</p>}
      </div>
      <h4>紀要({doc.notes.length})</h4>
      {doc.notes.length === 0 ? <p>無。</p> : (
        <ol data-testid="investigation-notes">{doc.notes.map((n) => <li key={n.noteNo}>{rocDateTime(n.at)} {n.by}:{n.text}</li>)}</ol>
      )}
      <h4>證據({doc.evidence.length})</h4>
      {doc.evidence.length === 0 ? <p>無。</p> : (
        <table data-testid="investigation-evidence">
          <thead><tr><th scope="col">#</th><th scope="col">種類</th><th scope="col">參照</th><th scope="col">說明</th><th scope="col">登錄</th></tr></thead>
          <tbody>
            {doc.evidence.map((e) => (
              <tr key={e.evidenceNo}><td>{e.evidenceNo}</td><td>{evidenceKindLabel(e.kind)}</td><td><code>{e.reference}</code></td><td>{e.description}</td><td>{rocDateTime(e.at)} {e.by}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** One investigation, and for 政風 while it is open: a note, an evidence reference, the conclusion (each appended to the ledger). */
function InvestigationDetail({ id, me, onChanged }: { id: string; me: Me; onChanged: () => void }) {
  const isEthics = me.roles.includes('ethics');
  const [doc, setDoc] = useState<Investigation | null>(null);
  const [error, setError] = useState('');
  const [done, setDone] = useState('');
  const [note, setNote] = useState('');
  const [evidence, setEvidence] = useState({ kind: 'DOCUMENT', reference: '', description: '' });
  const [conclusion, setConclusion] = useState({ conclusion: '', summary: '' });
  const [version, setVersion] = useState(0);
  useEffect(() => {
    getJson<Investigation>(`/ethics/investigations/${encodeURIComponent(id)}`).then(setDoc, (e) => setError(describeError(e)));
  }, [id, version]);

  const path = `/ethics/investigations/${encodeURIComponent(id)}`;
  const send = async (e: React.FormEvent, what: string, route: string, body: Record<string, string>, check: string | null, reset: () => void) => {
    e.preventDefault();
    setError('');
    setDone('');
    if (check) return setError(check);
    try {
      const result = await postJson<{ position?: string }>(`${path}/${route}`, { commandId: newId(), ...body });
      reset();
      setDone(`已記入帳本:${what}${result.position ? `(位置 ${result.position})` : ''}。`);
      // The read model follows the ledger: wait for it before reading back.
      if (result.position) await getJson(path, { minPosition: result.position }).catch(() => undefined);
      setVersion((v) => v + 1);
      onChanged();
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <section className="panel" aria-labelledby="inv-title" data-testid="investigation-detail">
      <h2 id="inv-title">調查 <code>{id}</code>{doc && `:${doc.title}`}</h2>
      <p className="error" role="alert">{error}</p>
      {done && <p className="ok" role="status">{done}</p>}
      {doc && <InvestigationRecord doc={doc} />}
      {doc && isEthics && doc.state === 'OPEN' && (
        <>
          <form className="filters" aria-label="新增紀要" noValidate
            onSubmit={(e) => void send(e, '紀要', 'notes', { text: note.trim() }, note.trim() ? null : '請填寫紀要內容。', () => setNote(''))}>
            <label>紀要
              <input value={note} onChange={(e) => setNote(e.target.value)} autoComplete="off" size={40} maxLength={4000} />
            </label>
            <button type="submit">新增紀要</button>
          </form>
          <form className="filters" aria-label="新增證據" noValidate
            onSubmit={(e) => void send(e, '證據', 'evidence', { kind: evidence.kind, reference: evidence.reference.trim(), description: evidence.description.trim() },
              evidence.reference.trim() && evidence.description.trim() ? null : '請填寫證據之參照(帳本位置或文號,勿填個資)與說明。',
              () => setEvidence({ kind: evidence.kind, reference: '', description: '' }))}>
            <label>證據種類
              <select value={evidence.kind} onChange={(e) => setEvidence({ ...evidence, kind: e.target.value })}>
                {EVIDENCE_KINDS.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
              </select>
            </label>
            <label>參照(帳本位置或文號)
              <input value={evidence.reference} onChange={(e) => setEvidence({ ...evidence, reference: e.target.value })} autoComplete="off" maxLength={200} />
            </label>
            <label>證據說明
              <input value={evidence.description} onChange={(e) => setEvidence({ ...evidence, description: e.target.value })} autoComplete="off" size={30} maxLength={1000} />
            </label>
            <button type="submit">新增證據</button>
          </form>
          <form className="filters" aria-label="結案" noValidate
            onSubmit={(e) => void send(e, '結案', 'conclusion', { conclusion: conclusion.conclusion, summary: conclusion.summary.trim() },
              conclusion.conclusion && conclusion.summary.trim() ? null : '結案須選擇結論並填寫摘要。', () => setConclusion({ conclusion: '', summary: '' }))}>
            <label>結案結論
              <select value={conclusion.conclusion} onChange={(e) => setConclusion({ ...conclusion, conclusion: e.target.value })}>
                <option value="">請選擇</option>
                {Object.entries(CONCLUSIONS).map(([k, label]) => <option key={k} value={k}>{label}{k === 'VIOLATION' ? '(啟動聯合稽核,要點 十二(二))' : ''}</option>)}
              </select>
            </label>
            <label>結論摘要
              <input value={conclusion.summary} onChange={(e) => setConclusion({ ...conclusion, summary: e.target.value })} autoComplete="off" size={40} maxLength={4000} />
            </label>
            <button type="submit">結案</button>
          </form>
        </>
      )}
    </section>
  );
}

export function Anomalies({ me, params }: { me: Me; params: URLSearchParams }) {
  const filters = { agency: params.get('agency') ?? '', month: params.get('month') ?? '', kind: params.get('kind') ?? '', state: params.get('state') ?? '' };
  const selected = params.get('id') ?? '';
  const investigation = params.get('investigation') ?? '';
  const key = JSON.stringify(filters);
  const [form, setForm] = useState(filters);
  const [counts, setCounts] = useState<MonthCounts[] | null>(null);
  const [list, setList] = useState<{ next: string | null; items: Anomaly[] } | null>(null);
  const [investigations, setInvestigations] = useState<Investigation[] | null>(null);
  const [error, setError] = useState('');
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const f = JSON.parse(key) as typeof filters;
    setForm(f);
    setError('');
    const fail = (e: unknown) => setError(describeError(e));
    getJson<{ months: MonthCounts[] }>('/ethics/anomalies/summary', { agency: f.agency, month: f.month }).then((r) => setCounts(r.months), fail);
    getJson<{ next: string | null; anomalies: Anomaly[] }>('/ethics/anomalies', { ...f, limit: '100' }).then((r) => setList({ next: r.next, items: r.anomalies }), fail);
    getJson<{ investigations: Investigation[] }>('/ethics/investigations', { agency: f.agency }).then((r) => setInvestigations(r.investigations), fail);
  }, [key, version]);

  const more = () => {
    if (!list?.next) return;
    getJson<{ next: string | null; anomalies: Anomaly[] }>('/ethics/anomalies', { ...filters, limit: '100', after: list.next }).then((r) => setList({ next: r.next, items: [...list.items, ...r.anomalies] }), (e) => setError(describeError(e)));
  };
  const go = (extra: Record<string, string | undefined>) => navigate('anomalies', { ...filters, ...extra });

  return (
    <>
      <h1>異常(要點 八、九)</h1>
      <p>偵測規則標示之待查跡象(例如查詢己身或同僚資料、非上班時間、未填登記表),供政風查處;非違規之認定。被查詢人一律遮蔽,揭露須敘明目的並記入帳本。</p>
      <form className="filters" aria-label="異常篩選" onSubmit={(e) => { e.preventDefault(); navigate('anomalies', { agency: form.agency.trim(), month: form.month, kind: form.kind, state: form.state }); }}>
        <label>機關代碼
          <input name="agency" value={form.agency} onChange={(e) => setForm({ ...form, agency: e.target.value })} pattern="[A-Za-z0-9_]{0,32}" />
        </label>
        <label>月份(臺北時間)
          <input type="month" name="month" value={form.month} onChange={(e) => setForm({ ...form, month: e.target.value })} />
        </label>
        <label>類型
          <select name="kind" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })}>
            <option value="">全部</option>
            {KINDS.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
          </select>
        </label>
        <label>狀態
          <select name="state" value={form.state} onChange={(e) => setForm({ ...form, state: e.target.value })}>
            <option value="">全部</option>
            {STATES.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
          </select>
        </label>
        <button type="submit">篩選</button>
      </form>
      <p className="error" role="alert">{error}</p>
      {counts && counts.length > 0 && (
        <section className="panel" aria-labelledby="counts-title">
          <h2 id="counts-title">各機關各月異常統計</h2>
          <table data-testid="anomaly-counts">
            <thead><tr><th scope="col">機關</th><th scope="col">月份</th><th scope="col">合計</th><th scope="col">依類型</th><th scope="col">依狀態</th></tr></thead>
            <tbody>
              {counts.map((c) => (
                <tr key={`${c.agencyCode}-${c.month}`}>
                  <td>{c.agencyCode}</td>
                  <td><a href={href('anomalies', { agency: c.agencyCode, month: c.month })}>{rocMonth(c.month)}</a></td>
                  <td>{c.total}</td>
                  <td>{Object.entries(c.byKind).map(([k, n]) => `${kindLabel(k)} ${n}`).join('、')}</td>
                  <td>{Object.entries(c.byState).map(([k, n]) => `${STATES.find(([s]) => s === k)?.[1] ?? k} ${n}`).join('、')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {list && (
        <section className="panel" aria-labelledby="list-title">
          <h2 id="list-title">異常清單</h2>
          <button type="button" className="secondary" onClick={() => void download('/ethics/anomalies', { ...filters, format: 'csv', limit: '1000' }, 'anomalies.csv').catch((e) => setError(describeError(e)))}>下載 CSV</button>
          {list.items.length === 0 ? <p data-testid="no-anomalies">無符合之異常。</p> : (
            <table data-testid="anomalies">
              <thead><tr><th scope="col">依據</th><th scope="col">類型</th><th scope="col">嚴重度</th><th scope="col">機關</th><th scope="col">帳號</th><th scope="col">首次查詢</th><th scope="col">證據</th><th scope="col">狀態</th><th scope="col">明細</th></tr></thead>
              <tbody>
                {list.items.map((a) => (
                  <tr key={a.anomalyId} aria-current={a.anomalyId === selected ? 'true' : undefined}>
                    <td>{a.rule}</td>
                    <td>{a.title}</td>
                    <td className={a.severity === 'HIGH' ? 'bad' : undefined}>{a.severityLabel}</td>
                    <td>{a.agencyCode}</td>
                    <td><code>{a.accountId}</code></td>
                    <td>{rocDateTime(a.firstSeenAt)}</td>
                    <td>{a.evidenceCount}</td>
                    <td>{a.stateLabel}{a.investigationId && <>(<a href={href('anomalies', { ...filters, investigation: a.investigationId })}>{a.investigationId}</a>)</>}</td>
                    <td><button type="button" className="secondary" onClick={() => go({ id: a.anomalyId })} aria-label={`檢視異常 ${a.anomalyId} 之證據`}>證據</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {list.next && <button type="button" className="secondary" onClick={more}>載入更多</button>}
        </section>
      )}
      {selected && <Detail id={selected} me={me} onChanged={() => setVersion((v) => v + 1)} />}
      {investigations && (
        <section className="panel" aria-labelledby="investigations-title">
          <h2 id="investigations-title">調查(要點 八、十二(二))</h2>
          {investigations.length === 0 ? <p>無調查案。</p> : (
            <ul className="jobs" data-testid="investigations">
              {investigations.map((i) => (
                <li key={i.investigationId} className="panel" data-testid="investigation" data-id={i.investigationId} aria-current={i.investigationId === investigation ? 'true' : undefined}>
                  <h3><a href={href('anomalies', { ...filters, investigation: i.investigationId })}>{i.investigationId}</a> {i.title}</h3>
                  <InvestigationRecord doc={i} />
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
      {investigation && <InvestigationDetail key={investigation} id={investigation} me={me} onChanged={() => setVersion((v) => v + 1)} />}
    </>
  );
}
