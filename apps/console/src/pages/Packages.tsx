import { useEffect, useState } from 'react';
import { describeError, download, getJson, postJson } from '../api';
import { rocDate, rocDateTime } from '../roc';
import { navigate } from '../router';

interface PackageJob {
  id: string;
  state: 'running' | 'done' | 'failed' | 'interrupted';
  agencyCode: string;
  from: string;
  to: string;
  holders: 'masked' | 'revealed';
  requestedBy: string;
  startedAt: string;
  finishedAt?: string;
  eventsRead: number;
  totalEvents?: number;
  events?: number;
  bytes?: number;
  manifestSha256?: string;
  checkpoint?: { origin: string; treeSize: number; rootHash: string; keyName: string; keyId: string };
  sections?: { id: string; title: string; rule: string; file: string; rows: number }[];
  error?: string;
  file?: string;
}

function Progress({ job }: { job: PackageJob }) {
  if (job.state === 'failed') return <span className="bad">產製失敗:{job.error}</span>;
  if (job.state === 'interrupted') return <span className="bad">已中斷(服務於產製中停止,已讀取 {job.eventsRead}{job.totalEvents ? ` / ${job.totalEvents}` : ''} 筆事件),請重新產製</span>;
  if (job.state === 'done') return <span className="ok">已完成({job.events} 筆事件,{((job.bytes ?? 0) / 1024).toFixed(0)} KB)</span>;
  const total = job.totalEvents ?? 0;
  return (
    <>
      <progress max={total || 1} value={job.eventsRead} aria-label={`稽核包 ${job.agencyCode} 產製進度`} /> 已讀取 {job.eventsRead}{total ? ` / ${total}` : ''} 筆事件
    </>
  );
}

export function Packages({ params }: { params: URLSearchParams }) {
  const [form, setForm] = useState({ agencyCode: params.get('agency') ?? '', from: params.get('from') ?? '', to: params.get('to') ?? '', reveal: false, purpose: '' });
  const [jobs, setJobs] = useState<PackageJob[]>([]);
  const [error, setError] = useState('');

  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    // The service keeps the caller's last jobs (also across its restarts): one page of them.
    getJson<{ jobs: PackageJob[] }>('/packages/jobs', { limit: '20' }).then(
      (r) => {
        setJobs((js) => [...js.filter((j) => !r.jobs.some((x) => x.id === j.id)), ...r.jobs].sort((a, b) => b.startedAt.localeCompare(a.startedAt)));
        setLoaded(true);
      },
      (e) => setError(describeError(e)),
    );
  }, []);

  const running = jobs.filter((j) => j.state === 'running');
  useEffect(() => {
    if (running.length === 0) return;
    const timer = setTimeout(() => {
      for (const j of running) getJson<PackageJob>(`/packages/jobs/${j.id}`).then((job) => setJobs((js) => js.map((x) => (x.id === job.id ? job : x))), (e) => setError(describeError(e)));
    }, 500);
    return () => clearTimeout(timer);
  }, [jobs, running]);

  const start = async (e: React.FormEvent) => {
    e.preventDefault();
    setError('');
    if (!form.agencyCode.trim() || !form.from || !form.to) return setError('請填寫機關代碼與期間。');
    if (form.from > form.to) return setError('期間之迄日不得早於起日。');
    if (form.reveal && form.purpose.trim().length < 4) return setError('揭露完整個資須填寫目的(至少 4 字),並將記入帳本。');
    // The purpose stays out of the URL: only the agency and period are kept there, for a shared link.
    navigate('packages', { agency: form.agencyCode.trim(), from: form.from, to: form.to });
    try {
      const job = await postJson<PackageJob>('/packages/jobs', {
        agencyCode: form.agencyCode.trim(),
        from: form.from,
        to: form.to,
        ...(form.reveal && { reveal: true, purpose: form.purpose.trim() }),
      });
      setJobs((js) => [job, ...js.filter((j) => j.id !== job.id)]);
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <>
      <h1>稽核包(要點 十二(五))</h1>
      <p>依機關與期間產製勞保局稽核所需之檢查包:使用者清冊、查詢登記與日誌勾稽、抽查、義務與帳本事件,附簽章檢查點與包含證明,可離線驗證。每次產製均記入帳本。</p>
      <form className="filters" aria-label="產製稽核包" onSubmit={(e) => void start(e)} noValidate>
        <label>機關代碼
          <input name="agencyCode" value={form.agencyCode} onChange={(e) => setForm({ ...form, agencyCode: e.target.value })} required pattern="[A-Za-z0-9_]{1,32}" />
        </label>
        <label>期間起日
          <input type="date" name="from" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} required />
        </label>
        <label>期間迄日
          <input type="date" name="to" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} required />
        </label>
        <label className="check">
          <input type="checkbox" checked={form.reveal} onChange={(e) => setForm({ ...form, reveal: e.target.checked })} /> 清冊揭露完整個資
        </label>
        {form.reveal && (
          <label>揭露目的(必填,將記入帳本)
            <input value={form.purpose} onChange={(e) => setForm({ ...form, purpose: e.target.value })} autoComplete="off" size={30} />
          </label>
        )}
        <button type="submit">產製稽核包</button>
      </form>
      <p className="error" role="alert">{error}</p>
      <h2 id="jobs-title">我產製之稽核包</h2>
      <p>服務保留最近 20 件產製工作及其檔案(服務重新啟動後仍在);產製中遇服務停止者標示為「已中斷」。</p>
      {jobs.length === 0 ? <p data-testid="no-package-jobs">{loaded ? '尚未產製。' : '載入中…'}</p> : (
        <ul className="jobs" aria-labelledby="jobs-title" data-testid="package-jobs">
          {jobs.map((j) => (
            <li key={j.id} className="panel" data-testid="package-job" data-state={j.state}>
              <strong>{j.agencyCode}</strong> {rocDate(j.from)} 至 {rocDate(j.to)}({j.holders === 'revealed' ? '含完整個資' : '個資遮蔽'}),{rocDateTime(j.startedAt)} 由 {j.requestedBy} 開始
              <div role="status"><Progress job={j} /></div>
              {j.state === 'done' && (
                <>
                  {j.checkpoint && <p>簽章檢查點:樹大小 {j.checkpoint.treeSize},根雜湊 <code>{j.checkpoint.rootHash}</code>(金鑰 {j.checkpoint.keyName}+{j.checkpoint.keyId})</p>}
                  {j.manifestSha256 && <p>清單(manifest)SHA-256:<code>{j.manifestSha256}</code></p>}
                  {j.sections && (
                    <table>
                      <thead><tr><th scope="col">依據</th><th scope="col">內容</th><th scope="col">檔案</th><th scope="col">筆數</th></tr></thead>
                      <tbody>
                        {j.sections.map((s) => <tr key={s.id}><td>{s.rule}</td><td>{s.title}</td><td><code>{s.file}</code></td><td>{s.rows}</td></tr>)}
                      </tbody>
                    </table>
                  )}
                  <button type="button" onClick={() => void download(`/packages/jobs/${j.id}/file`, {}, `package-${j.agencyCode}-${j.from}-${j.to}.zip`).catch((e) => setError(describeError(e)))}>
                    下載稽核包
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
