import { useEffect, useState } from 'react';
import { ApiError, describeError, getJson, postJson } from '../api';
import { rocDateTime } from '../roc';
import { href } from '../router';
import { BarChart, type Series } from './BarChart';
import type { Obligation, ObligationsResponse } from './types';

interface Checkpoint {
  treeSize: number;
  rootHash: string;
  recordedAt: string;
  reason: string;
  blocked?: unknown;
  witnesses: { witness: string; ok: boolean; treeSize?: number; detail?: string; at: string }[];
}

interface VerifyJob {
  id: string;
  state: 'running' | 'done' | 'failed';
  startedAt: string;
  finishedAt?: string;
  eventsChecked?: number;
  report?: { intact: boolean; failures: { reason: string; streamId?: string; revision?: number }[] };
  error?: string;
}

const SERIES: Series[] = [
  { key: 'open', label: '未屆期', color: '#2f6fb0' },
  { key: 'overdue', label: '逾期未辦', color: '#b00020' },
  { key: 'metLate', label: '逾期始辦', color: '#e08a00' },
];

// Only the verification jobs this tab started are known to it: the API keeps no list of past runs.
const LAST_JOB = 'webir-ledger.lastVerifyJob';

function tally(obligations: Obligation[], by: (o: Obligation) => string) {
  const groups = new Map<string, Record<string, number>>();
  for (const o of obligations) {
    const key = by(o);
    const g = groups.get(key) ?? { open: 0, overdue: 0, metLate: 0 };
    if (o.state === 'open') g.open++;
    if (o.state === 'overdue') g.overdue++;
    if (o.state === 'met' && o.metLate) g.metLate++;
    groups.set(key, g);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([label, values]) => ({ label, values }));
}

export function Dashboard() {
  const [obligations, setObligations] = useState<ObligationsResponse | null>(null);
  const [checkpoint, setCheckpoint] = useState<Checkpoint | null | 'none'>(null);
  const [job, setJob] = useState<VerifyJob | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    getJson<ObligationsResponse>('/obligations').then(setObligations, (e) => setError(describeError(e)));
    getJson<Checkpoint>('/ledger/checkpoints/latest').then(setCheckpoint, (e) => {
      if (e instanceof ApiError && (e.code === 'NO_CHECKPOINT' || e.status === 409)) setCheckpoint('none');
      else setError(describeError(e));
    });
    const last = sessionStorage.getItem(LAST_JOB);
    if (last) getJson<VerifyJob>(`/ledger/verify/jobs/${last}`).then(setJob, () => sessionStorage.removeItem(LAST_JOB));
  }, []);

  useEffect(() => {
    if (job?.state !== 'running') return;
    const timer = setTimeout(() => getJson<VerifyJob>(`/ledger/verify/jobs/${job.id}`).then(setJob, (e) => setError(describeError(e))), 500);
    return () => clearTimeout(timer);
  }, [job]);

  const startVerify = async () => {
    try {
      const started = await postJson<VerifyJob>('/ledger/verify/jobs', {});
      sessionStorage.setItem(LAST_JOB, started.id);
      setJob(started);
    } catch (e) {
      setError(describeError(e));
    }
  };

  const list = obligations?.obligations ?? [];
  const count = (state: Obligation['state']) => list.filter((o) => o.state === state).length;
  return (
    <>
      <h1>總覽</h1>
      <p className="error" role="alert">{error}</p>
      {obligations && (
        <>
          <p>截至 {rocDateTime(obligations.asOf.at)}</p>
          <div className="cards">
            <a className="card" href={href('obligations', { state: 'open' })}><div>未屆期義務</div><div className="figure" data-testid="open-total">{count('open')}</div></a>
            <a className="card" href={href('obligations', { state: 'overdue' })}><div>逾期未辦義務</div><div className="figure bad" data-testid="overdue-total">{count('overdue')}</div></a>
            <a className="card" href={href('obligations', { state: 'met' })}><div>逾期始辦(已辦理)</div><div className="figure" data-testid="met-late-total">{list.filter((o) => o.state === 'met' && o.metLate).length}</div></a>
          </div>
          <BarChart title="各機關義務狀態" rows={tally(list, (o) => o.agencyCode)} series={SERIES} />
          <BarChart title="各類義務狀態(依要點)" rows={tally(list, (o) => `${o.rule} ${o.kind}`)} series={SERIES} />
        </>
      )}
      <section className="panel" aria-labelledby="integrity-title">
        <h2 id="integrity-title">帳本完整性</h2>
        <h3>最新簽章檢查點</h3>
        {checkpoint === null && <p role="status">載入中…</p>}
        {checkpoint === 'none' && <p data-testid="checkpoint">尚未簽發檢查點。</p>}
        {checkpoint && checkpoint !== 'none' && (
          <dl data-testid="checkpoint">
            <dt>樹大小(事件數)</dt><dd>{checkpoint.treeSize}</dd>
            <dt>根雜湊</dt><dd className="hash">{checkpoint.rootHash}</dd>
            <dt>簽發時間</dt><dd>{rocDateTime(checkpoint.recordedAt)}(原因:{checkpoint.reason})</dd>
            <dt>見證者</dt>
            <dd>
              {checkpoint.witnesses.length === 0 ? '未設定見證者' : (
                <ul>
                  {checkpoint.witnesses.map((w) => (
                    <li key={w.witness}>
                      <code>{w.witness}</code>:<span className={w.ok ? 'ok' : 'bad'}>{w.ok ? '已連署' : '未連署'}</span>
                      {w.treeSize !== undefined && `(樹大小 ${w.treeSize})`},{rocDateTime(w.at)}{w.detail && `,${w.detail}`}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
          </dl>
        )}
        <h3>驗證</h3>
        {job ? (
          <p data-testid="verify-job">
            本分頁最近一次驗證:{rocDateTime(job.startedAt)} 開始,
            {job.state === 'running' && '執行中…'}
            {job.state === 'failed' && <span className="bad">失敗:{job.error}</span>}
            {job.state === 'done' && job.report && (job.report.intact
              ? <span className="ok">完整無誤(檢查 {job.eventsChecked ?? '—'} 筆事件)</span>
              : <span className="bad">發現 {job.report.failures.length} 項異常:{job.report.failures.slice(0, 5).map((f) => `${f.reason} ${f.streamId ?? ''}#${f.revision ?? ''}`).join(';')}</span>)}
          </p>
        ) : (
          <p>本分頁尚未執行驗證(服務不保留驗證紀錄清單)。</p>
        )}
        <button type="button" onClick={() => void startVerify()} disabled={job?.state === 'running'}>立即驗證帳本</button>
      </section>
    </>
  );
}
