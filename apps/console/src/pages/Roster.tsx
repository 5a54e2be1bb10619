import { useEffect, useState } from 'react';
import { describeError, download, getJson, type Me } from '../api';
import { isoToTaipeiLocal, rocDate, rocDateTime, taipeiLocalToIso, taipeiToday } from '../roc';
import { href, navigate } from '../router';
import type { LedgerEvent } from '../verify';

interface Entry {
  accountId: string;
  kindLabel: string;
  statusLabel: string;
  /** Absent or withheld for integrators; erased after a lawful erasure. */
  holder?: { nationalId?: string; name?: string; erased?: boolean; withheld?: boolean };
  post?: string;
  unit?: string;
  queryItems: string[];
  createdAt: string | null;
  approvedAt: string | null;
  disabledAt: string | null;
  deletedAt: string | null;
  lastReviewedAt: string | null;
}

interface RosterResponse {
  agencyCode: string;
  agency?: { name?: string } | null;
  asOf: { kind: string; at?: string; knownAt?: string };
  masked: boolean;
  generatedAt: string;
  entries: Entry[];
}

const AS_OF_KIND: Record<string, string> = { current: '目前', 'business-date': '業務日期', 'ledger-time': '帳本時間', bitemporal: '業務日期+帳本時間', now: '目前' };

function holderField(holder: Entry['holder'], field: 'nationalId' | 'name'): string {
  if (!holder || holder.withheld) return '(不提供)';
  if (holder.erased) return '(已刪除)';
  return holder[field] ?? '';
}

export function Roster({ me, params }: { me: Me; params: URLSearchParams }) {
  const agency = params.get('agency') ?? me.agencies[0] ?? '';
  const asOf = params.get('asOf') ?? '';
  const knownAt = params.get('knownAt') ?? '';
  const [form, setForm] = useState({ agency, asOf, knownAt: isoToTaipeiLocal(knownAt) });
  const [roster, setRoster] = useState<RosterResponse | null>(null);
  const [error, setError] = useState('');
  // Personal data lives in this component's memory only: never in the URL, storage or a log.
  const [purpose, setPurpose] = useState('');
  const [purposeError, setPurposeError] = useState('');
  const [audit, setAudit] = useState<LedgerEvent | null>(null);
  const canReveal = me.roles.some((r) => r === 'auditor' || r === 'ethics' || r === 'admin');

  useEffect(() => {
    setForm({ agency, asOf, knownAt: isoToTaipeiLocal(knownAt) });
    setAudit(null);
    if (!agency) return setRoster(null);
    setError('');
    getJson<RosterResponse>(`/agencies/${encodeURIComponent(agency)}/roster`, { asOf, knownAt }).then(setRoster, (e) => {
      setRoster(null);
      setError(describeError(e));
    });
  }, [agency, asOf, knownAt]);

  const apply = (e: React.FormEvent) => {
    e.preventDefault();
    navigate('roster', { agency: form.agency.trim(), asOf: form.asOf, knownAt: taipeiLocalToIso(form.knownAt) });
  };

  const reveal = async (e: React.FormEvent) => {
    e.preventDefault();
    setPurposeError('');
    if (!purpose.trim()) {
      setPurposeError('查閱個人資料須填寫目的(例如:政風查處案號),並將留存稽核紀錄。');
      document.getElementById('reveal-purpose')?.focus();
      return;
    }
    try {
      const revealed = await getJson<RosterResponse>(`/agencies/${encodeURIComponent(agency)}/roster`, { asOf, knownAt, reveal: 'true', purpose: purpose.trim() });
      setRoster(revealed);
      // The read the ledger just recorded: the latest event of today's personal-data-access stream.
      const stream = `pdaccess-${taipeiToday().replace(/-/g, '')}`;
      const log = await getJson<{ events: LedgerEvent[] }>(`/ledger/streams/${stream}`, { direction: 'backwards', maxCount: '1' });
      setAudit(log.events[0] ?? null);
    } catch (err) {
      setPurposeError(describeError(err));
    }
  };

  return (
    <>
      <h1>使用者清冊(要點 十二(五))</h1>
      <form className="filters" onSubmit={apply} aria-label="清冊條件">
        <label>機關代碼
          {me.roles.includes('integrator') && !canReveal && me.agencies.length > 0 ? (
            <select name="agency" value={form.agency} onChange={(e) => setForm({ ...form, agency: e.target.value })}>
              {me.agencies.map((a) => <option key={a} value={a}>{a}</option>)}
            </select>
          ) : (
            <input name="agency" value={form.agency} onChange={(e) => setForm({ ...form, agency: e.target.value })} required pattern="[A-Za-z0-9_]{1,32}" />
          )}
        </label>
        <label>業務日期(當日有效者)
          <input type="date" name="asOf" value={form.asOf} onChange={(e) => setForm({ ...form, asOf: e.target.value })} />
        </label>
        <label>帳本時間(臺北時間,帳本當時所知)
          <input type="datetime-local" name="knownAt" value={form.knownAt} onChange={(e) => setForm({ ...form, knownAt: e.target.value })} />
        </label>
        <button type="submit">查詢</button>
        <button type="button" className="secondary" onClick={() => navigate('roster', { agency: form.agency.trim() })}>回到目前</button>
      </form>
      <p className="error" role="alert">{error}</p>
      {roster && (
        <>
          <p data-testid="roster-as-of">
            {roster.agency?.name ?? roster.agencyCode}:{AS_OF_KIND[roster.asOf.kind] ?? roster.asOf.kind}
            {roster.asOf.at && ` 截至 ${rocDateTime(roster.asOf.at)}`}
            {roster.asOf.knownAt && `,依帳本 ${rocDateTime(roster.asOf.knownAt)} 所知`}
            ,共 {roster.entries.length} 筆{roster.masked ? '(個資已遮蔽)' : '(已揭露個資)'}
          </p>
          <button type="button" className="secondary" onClick={() => void download(`/agencies/${encodeURIComponent(agency)}/roster`, { asOf, knownAt, format: 'csv' }, `roster-${agency}.csv`).catch((e) => setError(describeError(e)))}>
            下載 CSV
          </button>
          <table data-testid="roster-table">
            <caption className="skip">使用者清冊</caption>
            <thead>
              <tr><th scope="col">帳號代碼</th><th scope="col">類別</th><th scope="col">身分證統一編號</th><th scope="col">姓名</th><th scope="col">狀態</th><th scope="col">職稱</th><th scope="col">單位</th><th scope="col">查調項目</th><th scope="col">建立</th><th scope="col">核准</th><th scope="col">停用</th><th scope="col">最近清查</th></tr>
            </thead>
            <tbody>
              {roster.entries.map((e) => (
                <tr key={e.accountId}>
                  <td><a href={href('ledger', { stream: `account-${e.accountId}` })}><code>{e.accountId}</code></a></td>
                  <td>{e.kindLabel}</td>
                  <td>{holderField(e.holder, 'nationalId')}</td>
                  <td>{holderField(e.holder, 'name')}</td>
                  <td>{e.statusLabel}</td>
                  <td>{e.post ?? ''}</td>
                  <td>{e.unit ?? ''}</td>
                  <td>{e.queryItems.join('、')}</td>
                  <td>{rocDate(e.createdAt)}</td>
                  <td>{rocDate(e.approvedAt)}</td>
                  <td>{rocDate(e.disabledAt)}</td>
                  <td>{rocDate(e.lastReviewedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {canReveal && (
            <form className="filters" onSubmit={(e) => void reveal(e)} aria-labelledby="reveal-title" noValidate>
              <h2 id="reveal-title">揭露完整個資</h2>
              <label htmlFor="reveal-purpose">查閱目的(必填,將記入帳本)</label>
              <input id="reveal-purpose" value={purpose} onChange={(e) => setPurpose(e.target.value)} aria-invalid={!!purposeError} aria-describedby="reveal-error" autoComplete="off" size={40} />
              <button type="submit">揭露</button>
              <p id="reveal-error" role="alert" className="error">{purposeError}</p>
            </form>
          )}
          {audit && (
            <section className="audit" aria-labelledby="audit-title" data-testid="audit-event">
              <h2 id="audit-title">本次查閱已記入帳本</h2>
              <p>事件 <code>{audit.type}</code>,串流 <a href={href('ledger', { stream: audit.streamId })}><code>{audit.streamId}</code></a> 第 {audit.revision} 版,位置 {audit.position},記錄於 {rocDateTime(audit.metadata.recordedAt)}</p>
              <pre>{JSON.stringify(audit.data, null, 2)}</pre>
            </section>
          )}
        </>
      )}
    </>
  );
}
