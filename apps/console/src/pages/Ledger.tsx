import { useEffect, useState } from 'react';
import { ApiError, describeError, getJson } from '../api';
import { rocDateTime } from '../roc';
import { navigate } from '../router';
import { checkChain, checkInclusion, type ChainLink, type InclusionBundle, type LedgerEvent, type ProofResult, type PublicKeyInfo } from '../verify';

interface StateAt {
  asOf: { kind: string; revision?: number };
  revision: number;
  eventsApplied: number;
  state: unknown;
}

// One page of a stream (the API serves up to 10,000 per request); a page starts at a multiple of it.
export const PAGE = 1000;

interface StreamPage {
  /** The stream's last revision (-1 when empty). */
  revision: number;
  events: LedgerEvent[];
}

const pageStart = (revision: number) => Math.floor(revision / PAGE) * PAGE;

const short = (h: string) => `${h.slice(0, 12)}…${h.slice(-6)}`;

function Proof({ event }: { event: LedgerEvent }) {
  const [result, setResult] = useState<ProofResult | null>(null);
  const [error, setError] = useState('');
  const check = async () => {
    setError('');
    setResult(null);
    try {
      const [bundle, key] = await Promise.all([
        getJson<InclusionBundle>('/ledger/proofs/inclusion', { eventId: event.eventId }),
        getJson<PublicKeyInfo>('/ledger/public-key'),
      ]);
      setResult(await checkInclusion(bundle, key, event));
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <div>
      <button type="button" className="secondary" onClick={() => void check()} aria-label={`於瀏覽器驗證第 ${event.revision} 版事件之包含證明`}>驗證包含證明</button>
      {error && <p className="error" role="alert">{error}</p>}
      {result && (
        <div role="status" data-testid="proof-result">
          <strong className={result.ok ? 'ok' : 'bad'}>{result.ok ? '證明有效:本事件確在已簽章之帳本樹中' : '證明無效'}</strong>
          <ul>{result.steps.map((s) => <li key={s.label} className={s.ok ? 'ok' : 'bad'}>{s.ok ? '✔' : '✘'} {s.label}</li>)}</ul>
        </div>
      )}
    </div>
  );
}

function Pager({ stream, from, last, label }: { stream: string; from: number; last: number; label: string }) {
  const [jump, setJump] = useState('');
  const go = (start: number) => navigate('ledger', { stream, from: start > 0 ? String(start) : undefined });
  const lastStart = pageStart(Math.max(last, 0));
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="secondary" disabled={from === 0} onClick={() => go(0)}>第一頁</button>
      <button type="button" className="secondary" disabled={from === 0} onClick={() => go(from - PAGE)}>上一頁</button>
      <button type="button" className="secondary" disabled={from >= lastStart} onClick={() => go(from + PAGE)}>下一頁</button>
      <button type="button" className="secondary" disabled={from >= lastStart} onClick={() => go(lastStart)}>最後一頁</button>
      <form onSubmit={(e) => { e.preventDefault(); const r = Number(jump); if (Number.isInteger(r) && r >= 0 && r <= last) go(pageStart(r)); }}>
        <label>跳至版本 <input type="number" min={0} max={last} value={jump} onChange={(e) => setJump(e.target.value)} /></label>{' '}
        <button type="submit" className="secondary">前往</button>
      </form>
    </nav>
  );
}

export function Ledger({ params }: { params: URLSearchParams }) {
  const stream = params.get('stream') ?? '';
  const fromParam = Number(params.get('from') ?? '0');
  const from = Number.isInteger(fromParam) && fromParam > 0 ? pageStart(fromParam) : 0;
  const revisionParam = params.get('revision') ?? '';
  const position = params.get('position') ?? '';
  const [input, setInput] = useState(stream);
  const [links, setLinks] = useState<ChainLink[] | null>(null);
  const [last, setLast] = useState(-1);
  const [state, setState] = useState<StateAt | null | 'undefined'>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    setInput(stream);
    setLinks(null);
    setError('');
    if (!stream) return;
    let stale = false;
    // From the event before the page, so that the page's first link is checked against it.
    const read = (start: number) =>
      getJson<StreamPage>(`/ledger/streams/${encodeURIComponent(stream)}`, { fromRevision: String(Math.max(start - 1, 0)), maxCount: String(start > 0 ? PAGE + 1 : PAGE) });
    (async () => {
      let start = from;
      let page = await read(start);
      // A link to an event by its position (from an obligation): open the page that holds it.
      if (position && !params.has('from') && page.revision >= PAGE && !page.events.some((e) => e.position === position)) {
        const proof = await getJson<{ stream_id: string; revision: number }>('/ledger/proofs/inclusion', { position }).catch(() => undefined);
        if (proof && proof.stream_id === stream && proof.revision >= PAGE) {
          start = pageStart(proof.revision);
          page = await read(start);
        }
      }
      const before = start > 0 ? page.events[0] : undefined;
      const events = start > 0 ? page.events.slice(1) : page.events;
      const checked = await checkChain(events, before);
      if (stale) return;
      setLast(page.revision);
      setLinks(checked);
    })().catch((e) => !stale && setError(describeError(e)));
    return () => {
      stale = true;
    };
    // `params` matters only through `from` and `position`.
  }, [stream, from, position]);

  useEffect(() => {
    setState(null);
    if (!stream) return;
    getJson<StateAt>(`/ledger/streams/${encodeURIComponent(stream)}/state`, { revision: revisionParam }).then(setState, (e) => {
      // Streams of records (security, personal-data reads, checkpoints) have no state to fold.
      if (e instanceof ApiError && e.status === 404) setState('undefined');
      else setError(describeError(e));
    });
  }, [stream, revisionParam]);

  const broken = links?.filter((l) => !l.contentOk || !l.linkOk).length ?? 0;
  const firstShown = links?.[0]?.event.revision ?? from;
  const lastShown = links?.at(-1)?.event.revision ?? from;
  return (
    <>
      <h1>帳本</h1>
      <form className="filters" aria-label="串流" onSubmit={(e) => { e.preventDefault(); navigate('ledger', { stream: input.trim() }); }}>
        <label>串流代碼(類別-代碼,例如 agency-SWD001)
          <input name="stream" value={input} onChange={(e) => setInput(e.target.value)} required pattern="[A-Za-z0-9_]+-[A-Za-z0-9_.:]+" size={40} />
        </label>
        <button type="submit">開啟</button>
      </form>
      <p className="error" role="alert">{error}</p>
      {links && (
        <>
          <p data-testid="chain-summary" className={broken ? 'bad' : 'ok'}>
            共 {last + 1} 筆事件{last + 1 > PAGE && `,本頁第 ${firstShown} 至 ${lastShown} 版(${links.length} 筆)`};雜湊鏈{broken ? `有 ${broken} 處斷裂或內容不符` : '逐環相連,內容與雜湊相符'}(於瀏覽器以 SHA-256 重算{from > 0 && ',本頁第一筆與前一頁最後一筆相接'})
          </p>
          {last + 1 > PAGE && <Pager stream={stream} from={from} last={last} label="事件分頁" />}
          <section className="panel" aria-labelledby="state-title">
            <h2 id="state-title">某版本時之狀態</h2>
            {state === 'undefined' ? (
              <p>此類串流為紀錄,無可重建之狀態。</p>
            ) : (
              <>
                <label htmlFor="revision">版本</label>{' '}
                <select id="revision" value={revisionParam} onChange={(e) => navigate('ledger', { stream, from: from > 0 ? String(from) : undefined, revision: e.target.value })}>
                  <option value="">最新</option>
                  {links.map((l) => <option key={l.event.revision} value={String(l.event.revision)}>第 {l.event.revision} 版({l.event.type})</option>)}
                </select>
                {state && (
                  <>
                    <p data-testid="state-revision">第 {state.revision} 版狀態(套用 {state.eventsApplied} 筆事件)</p>
                    <pre>{JSON.stringify(state.state, null, 2)}</pre>
                  </>
                )}
              </>
            )}
          </section>
          <h2>事件與雜湊鏈</h2>
          <ol className="chain">
            {links.map((l) => {
              const bad = !l.contentOk || !l.linkOk;
              const e = l.event;
              return (
                <li key={e.eventId} className={bad ? 'broken' : undefined} data-testid="chain-link" data-broken={bad ? 'true' : 'false'} data-revision={e.revision} aria-current={position === e.position ? 'true' : undefined}>
                  <strong>第 {e.revision} 版 {e.type}</strong>(位置 {e.position},記錄於 {rocDateTime(e.metadata.recordedAt)}
                  {e.metadata.occurredAt && `,發生於 ${rocDateTime(e.metadata.occurredAt)}`},操作者 {e.metadata.actor ?? '—'})
                  <div className="hash">
                    prevHash <span title={e.metadata.prevHash}>{short(e.metadata.prevHash)}</span> → hash <span title={e.metadata.hash}>{short(e.metadata.hash)}</span>
                  </div>
                  {!l.linkOk && <p className="bad">斷鏈:prevHash 不等於前一事件之雜湊</p>}
                  {!l.contentOk && <p className="bad">內容遭竄改:重算雜湊 {short(l.computedHash)} ≠ 儲存之雜湊</p>}
                  <details>
                    <summary>內容與中繼資料</summary>
                    <pre>{JSON.stringify({ data: e.data, metadata: e.metadata }, null, 2)}</pre>
                  </details>
                  <Proof event={e} />
                </li>
              );
            })}
          </ol>
          {last + 1 > PAGE && <Pager stream={stream} from={from} last={last} label="事件分頁(頁尾)" />}
        </>
      )}
    </>
  );
}
