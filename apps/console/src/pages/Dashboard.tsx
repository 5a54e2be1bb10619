import { useCallback, useEffect, useState } from 'react';
import { ApiError, describeError, getJson, postJson } from '../api';
import { rocDateTime } from '../roc';
import { href } from '../router';
import { BarChart, type Series } from './BarChart';
import type { ObligationCounts, ObligationSummary } from './types';

interface Checkpoint {
  treeSize: number;
  rootHash: string;
  recordedAt: string;
  reason: string;
  blocked?: unknown;
  witnesses: { witness: string; ok: boolean; treeSize?: number; detail?: string; at: string }[];
}

interface Failure {
  reason: string;
  streamId?: string;
  revision?: number;
  position?: string;
}

/** A run as the service records it (GET /ledger/verify/jobs). */
interface Run {
  id: string;
  mode: 'incremental' | 'full';
  state: 'running' | 'done' | 'failed' | 'interrupted';
  startedAt: string;
  finishedAt: string | null;
  startedBy: string;
  eventsChecked: number;
  totalEvents: number | null;
  intact: boolean | null;
  failureCount: number;
  failures: Failure[];
  error: string | null;
}

interface RunPage {
  runs: Run[];
  next: string | null;
}

const SERIES: Series[] = [
  { key: 'open', label: '未屆期', color: '#2f6fb0' },
  { key: 'overdue', label: '逾期未辦', color: '#b00020' },
  { key: 'metLate', label: '逾期始辦', color: '#e08a00' },
];

const counts = (c: ObligationCounts): Record<string, number> => ({ open: c.open, overdue: c.overdue, met: c.met, metLate: c.metLate });

const MODE_LABELS: Record<Run['mode'], string> = { full: '全部重算', incremental: '增量' };
const RUNS_PER_PAGE = 10;

function Outcome({ run }: { run: Run }) {
  switch (run.state) {
    case 'running':
      return <>執行中(已檢查 {run.eventsChecked}{run.totalEvents !== null && ` / ${run.totalEvents}`} 筆)</>;
    case 'interrupted':
      return <span className="bad">中斷(服務於驗證中停止)</span>;
    case 'failed':
      return <span className="bad">無法完成:{run.error}</span>;
    case 'done':
      return run.intact ? (
        <span className="ok">完整無誤</span>
      ) : (
        <span className="bad">
          發現 {run.failureCount} 項異常:{run.failures.slice(0, 3).map((f) => `${f.reason}${f.streamId ? ` ${f.streamId}#${f.revision ?? ''}` : f.position ? ` 位置 ${f.position}` : ''}`).join(';')}
          {run.failureCount > 3 && '…'}
        </span>
      );
  }
}

function VerificationRuns() {
  const [pages, setPages] = useState<RunPage[]>([]);
  const [error, setError] = useState('');
  const load = useCallback(() => getJson<RunPage>('/ledger/verify/jobs', { limit: String(RUNS_PER_PAGE) }).then((p) => setPages([p]), (e) => setError(describeError(e))), []);
  useEffect(() => void load(), [load]);

  const runs = pages.flatMap((p) => p.runs);
  const running = runs.some((r) => r.state === 'running');
  // While a run goes on, its progress and end are re-read from the record.
  useEffect(() => {
    if (!running) return;
    const timer = setTimeout(() => void load(), 500);
    return () => clearTimeout(timer);
  }, [running, pages, load]);

  const start = async () => {
    setError('');
    try {
      await postJson('/ledger/verify/jobs', {});
      await load();
    } catch (e) {
      setError(describeError(e));
    }
  };
  const next = pages.at(-1)?.next;
  const more = () => {
    if (next) getJson<RunPage>('/ledger/verify/jobs', { limit: String(RUNS_PER_PAGE), before: next }).then((p) => setPages([...pages, p]), (e) => setError(describeError(e)));
  };

  return (
    <>
      <h3 id="runs-title">驗證紀錄</h3>
      <p>驗證僅讀取帳本,不寫入帳本;紀錄保存於服務之資料目錄,重新啟動後仍在。</p>
      <button type="button" onClick={() => void start()} disabled={running}>立即驗證帳本</button>
      <p className="error" role="alert">{error}</p>
      {runs.length === 0 ? (
        <p data-testid="no-runs">尚無驗證紀錄。</p>
      ) : (
        <table aria-labelledby="runs-title" data-testid="verify-runs">
          <thead>
            <tr><th scope="col">開始</th><th scope="col">結束</th><th scope="col">方式</th><th scope="col">執行者</th><th scope="col">檢查事件數</th><th scope="col">結果</th></tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-state={r.state}>
                <td>{rocDateTime(r.startedAt)}</td>
                <td>{rocDateTime(r.finishedAt)}</td>
                <td>{MODE_LABELS[r.mode]}</td>
                <td>{r.startedBy}</td>
                <td>{r.eventsChecked}</td>
                <td><Outcome run={r} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && <button type="button" className="secondary" onClick={more}>較早之紀錄</button>}
    </>
  );
}

export function Dashboard() {
  const [summary, setSummary] = useState<ObligationSummary | null>(null);
  const [checkpoint, setCheckpoint] = useState<Checkpoint | null | 'none'>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    // Counted on the server: the page never downloads the obligations themselves.
    getJson<ObligationSummary>('/obligation-summary').then(setSummary, (e) => setError(describeError(e)));
    getJson<Checkpoint>('/ledger/checkpoints/latest').then(setCheckpoint, (e) => {
      if (e instanceof ApiError && (e.code === 'NO_CHECKPOINT' || e.status === 409)) setCheckpoint('none');
      else setError(describeError(e));
    });
  }, []);

  return (
    <>
      <h1>總覽</h1>
      <p className="error" role="alert">{error}</p>
      {summary ? (
        <>
          <p>截至 {rocDateTime(summary.asOf.at)}</p>
          <div className="cards">
            <a className="card" href={href('obligations', { state: 'open' })}><div>未屆期義務</div><div className="figure" data-testid="open-total">{summary.totals.open}</div></a>
            <a className="card" href={href('obligations', { state: 'overdue' })}><div>逾期未辦義務</div><div className="figure bad" data-testid="overdue-total">{summary.totals.overdue}</div></a>
            <a className="card" href={href('obligations', { state: 'met' })}><div>逾期始辦(已辦理)</div><div className="figure" data-testid="met-late-total">{summary.totals.metLate}</div></a>
          </div>
          <BarChart title="各機關義務狀態" rows={summary.byAgency.map((a) => ({ label: a.agencyCode, values: counts(a) }))} series={SERIES} />
          <BarChart title="各類義務狀態(依要點)" testId="kind-chart" rows={summary.byKind.map((k) => ({ label: `${k.rule} ${k.title}`, values: counts(k) }))} series={SERIES} />
        </>
      ) : (
        !error && <p role="status">載入中…</p>
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
        <VerificationRuns />
      </section>
    </>
  );
}
