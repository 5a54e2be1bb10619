import { useEffect, useState } from 'react';
import { describeError, getJson, type Me } from '../api';
import { isoToTaipeiLocal, rocDate, rocDateTime, taipeiLocalToIso } from '../roc';
import { href, navigate } from '../router';
import { STATE_LABELS, type EventRef, type ObligationSummary, type ObligationsResponse } from './types';

interface Kind {
  kind: string;
  rule: string;
  title: string;
}

// The list comes in pages: a ledger of a million events can owe thousands of obligations.
const PAGE = '500';


function EventLink({ ev }: { ev: EventRef | null }) {
  if (!ev) return <>—</>;
  return (
    <a href={href('ledger', { stream: ev.streamId, position: ev.position })}>
      {ev.type}<br /><code>{ev.streamId}</code> @ {ev.position}
    </a>
  );
}

export function Obligations({ me, params }: { me: Me; params: URLSearchParams }) {
  const filters = {
    state: params.get('state') ?? '',
    agency: params.get('agency') ?? (me.roles.length === 1 && me.roles[0] === 'integrator' ? me.agencies[0] ?? '' : ''),
    kind: params.get('kind') ?? '',
    asOf: params.get('asOf') ?? '',
    knownAt: params.get('knownAt') ?? '',
  };
  const key = JSON.stringify(filters);
  const [form, setForm] = useState({ ...filters, knownAt: isoToTaipeiLocal(filters.knownAt) });
  const [data, setData] = useState<ObligationsResponse | null>(null);
  const [error, setError] = useState('');
  const [kinds, setKinds] = useState<Kind[]>([]);
  // Unfiltered, the page opens on the counts per agency (counted by the service) and lists every
  // obligation only when asked: the whole list of a large ledger is not a first view.
  const unfiltered = !filters.agency && !filters.kind && !filters.state;
  const [listAll, setListAll] = useState(false);
  const [summary, setSummary] = useState<ObligationSummary | null>(null);

  useEffect(() => {
    getJson<{ kinds: Kind[] }>('/obligation-kinds').then((r) => setKinds(r.kinds), (e) => setError(describeError(e)));
  }, []);

  useEffect(() => {
    setListAll(false);
  }, [key]);

  useEffect(() => {
    const f = JSON.parse(key) as typeof filters;
    setForm({ ...f, knownAt: isoToTaipeiLocal(f.knownAt) });
    setError('');
    setData(null);
    setSummary(null);
    if (unfiltered && !listAll) {
      getJson<ObligationSummary>('/obligation-summary', { asOf: f.asOf, knownAt: f.knownAt }).then(setSummary, (e) => setError(describeError(e)));
      return;
    }
    getJson<ObligationsResponse>('/obligations', { ...f, limit: PAGE }).then(setData, (e) => {
      setData(null);
      setError(describeError(e));
    });
  }, [key, listAll]);

  const more = () => {
    if (!data?.next) return;
    const f = JSON.parse(key) as typeof filters;
    getJson<ObligationsResponse>('/obligations', { ...f, limit: PAGE, after: data.next }).then(
      (r) => setData({ ...r, obligations: [...data.obligations, ...r.obligations] }),
      (e) => setError(describeError(e)),
    );
  };
  const total = summary && summary.totals.open + summary.totals.overdue + summary.totals.met;

  return (
    <>
      <h1>義務</h1>
      <form className="filters" aria-label="義務篩選" onSubmit={(e) => { e.preventDefault(); navigate('obligations', { ...form, agency: form.agency.trim(), knownAt: taipeiLocalToIso(form.knownAt) }); }}>
        <label>狀態
          <select name="state" value={form.state} onChange={(e) => setForm({ ...form, state: e.target.value })}>
            <option value="">全部</option>
            <option value="open">未屆期</option>
            <option value="overdue">逾期未辦</option>
            <option value="met">已辦理</option>
          </select>
        </label>
        <label>機關代碼
          <input name="agency" value={form.agency} onChange={(e) => setForm({ ...form, agency: e.target.value })} pattern="[A-Za-z0-9_]{0,32}" />
        </label>
        <label>類別
          <select name="kind" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value })}>
            <option value="">全部</option>
            {kinds.map((k) => <option key={k.kind} value={k.kind}>{k.rule} {k.title}</option>)}
            {form.kind && !kinds.some((k) => k.kind === form.kind) && <option value={form.kind}>{form.kind}</option>}
          </select>
        </label>
        <label>業務日期
          <input type="date" name="asOf" value={form.asOf} onChange={(e) => setForm({ ...form, asOf: e.target.value })} />
        </label>
        <label>帳本時間(臺北時間)
          <input type="datetime-local" name="knownAt" value={form.knownAt} onChange={(e) => setForm({ ...form, knownAt: e.target.value })} />
        </label>
        <button type="submit">篩選</button>
      </form>
      <p className="error" role="alert">{error}</p>
      {summary && (
        <>
          <p>截至 {filters.asOf ? rocDate(filters.asOf) : '現在'},共 <span data-testid="obligation-count">{total}</span> 項(逾期未辦 {summary.totals.overdue} 項)。依機關:</p>
          <table data-testid="obligation-agencies">
            <thead><tr><th scope="col">機關</th><th scope="col">未屆期</th><th scope="col">逾期未辦</th><th scope="col">已辦理</th><th scope="col">其中逾期始辦</th></tr></thead>
            <tbody>
              {summary.byAgency.map((a) => (
                <tr key={a.agencyCode}>
                  <td><a href={href('obligations', { agency: a.agencyCode, asOf: filters.asOf, knownAt: filters.knownAt })}>{a.agencyCode}</a></td>
                  <td>{a.open}</td>
                  <td className={a.overdue ? 'bad' : undefined}>{a.overdue ? <a href={href('obligations', { agency: a.agencyCode, state: 'overdue', asOf: filters.asOf, knownAt: filters.knownAt })}>{a.overdue}</a> : 0}</td>
                  <td>{a.met}</td>
                  <td>{a.metLate}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" className="secondary" onClick={() => setListAll(true)}>列出全部 {total} 項義務(每次 {PAGE} 項)</button>
        </>
      )}
      {data && (
        <>
          <p>截至 {rocDateTime(data.asOf.at)}{data.asOf.knownAt && `,依帳本 ${rocDateTime(data.asOf.knownAt)} 所知`},共 <span data-testid="obligation-count">{data.count}</span> 項</p>
          <table>
            <thead>
              <tr><th scope="col">機關</th><th scope="col">依據</th><th scope="col">義務</th><th scope="col">對象</th><th scope="col">期限</th><th scope="col">狀態</th><th scope="col">產生事件</th><th scope="col">辦理事件</th></tr>
            </thead>
            <tbody>
              {data.obligations.map((o) => (
                <tr key={o.obligationId}>
                  <td>{o.agencyCode}</td>
                  <td>{o.rule}</td>
                  <td>{o.title}</td>
                  <td><code>{o.subject}</code></td>
                  <td>{rocDate(o.dueDate)}</td>
                  <td className={o.state === 'overdue' ? 'bad' : undefined}>
                    {STATE_LABELS[o.state]}{o.state === 'met' && o.metLate && '(逾期始辦)'}
                    {o.metAt && <><br />{rocDateTime(o.metAt)}</>}
                  </td>
                  <td><EventLink ev={o.createdBy} /></td>
                  <td><EventLink ev={o.metBy} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.next && (
            <button type="button" className="secondary" onClick={more}>
              顯示更多(已顯示 {data.obligations.length} / {data.count} 項)
            </button>
          )}
        </>
      )}
    </>
  );
}
