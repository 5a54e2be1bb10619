import { useEffect, useState } from 'react';
import { describeError, getJson, type Me } from '../api';
import { lastTaipeiMonth, rocDateTime, rocMonth } from '../roc';
import { href, navigate } from '../router';

type Outcome = 'MATCH' | 'MISMATCH' | 'MISSING';

interface MonthlyCheck {
  streamId: string;
  revision: number;
  state:
    | { status: 'NONE' }
    | {
        status: 'DRAWN' | 'SIGNED_OFF';
        population: number;
        sampleSize: number;
        seed: string;
        sample: string[];
        compared: Record<string, Outcome>;
        jointAuditIds: string[];
        checkerPersonId: string | null;
      };
}

interface SampleRecomputation {
  closingCheckpoint: { origin: string; treeSize: number; rootHash: string; position: string; recordedAt: string; note: string } | null;
  recomputed: { algorithm: string; population: number; sampleSize: number; populationDigest: string; logDigests: string[]; seedMaterial: string; seed: string; indices: number[]; sample: string[] } | null;
  recorded: { seed: string; population: number; sampleSize: number; sample: string[]; checkpointPosition: string } | null;
  matches: boolean | null;
}

const OUTCOMES: Record<Outcome, string> = { MATCH: '相符', MISMATCH: '不符', MISSING: '查無登記' };

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** An entry id is <importId>.<lineNo>: the imported file's stream holds it. */
const entryStream = (entryId: string) => `querylog-${entryId.slice(0, entryId.lastIndexOf('.'))}`;

export function Checks({ me, params }: { me: Me; params: URLSearchParams }) {
  const reader = me.roles.some((r) => r === 'auditor' || r === 'ethics' || r === 'admin');
  const agency = params.get('agency') ?? (reader ? '' : me.agencies[0] ?? '');
  const month = params.get('month') ?? lastTaipeiMonth();
  const [form, setForm] = useState({ agency, month });
  const [check, setCheck] = useState<MonthlyCheck | null>(null);
  const [sample, setSample] = useState<SampleRecomputation | null>(null);
  // The seed recomputed here, from the published seed material alone (SHA-256 in the browser).
  const [browserSeed, setBrowserSeed] = useState<string | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    setForm({ agency, month });
    setCheck(null);
    setSample(null);
    setBrowserSeed(null);
    setError('');
    if (!agency) return;
    const base = `/checks/monthly/${encodeURIComponent(agency)}/${encodeURIComponent(month)}`;
    getJson<MonthlyCheck>(base).then(setCheck, (e) => setError(describeError(e)));
    getJson<SampleRecomputation>(`${base}/sample`).then(
      (s) => {
        setSample(s);
        if (s.recomputed) void sha256Hex(s.recomputed.seedMaterial).then(setBrowserSeed);
      },
      (e) => setError(describeError(e)),
    );
  }, [agency, month]);

  const state = check?.state;
  const drawn = state && state.status !== 'NONE' ? state : null;
  return (
    <>
      <h1>抽查(要點 十二(一))</h1>
      <p>每月自日誌抽查:母體未滿 10 筆者全數,否則 max(10, ⌈3%⌉) 筆;種子由該月結束後第一個簽章檢查點與該月日誌之摘要決定,任何人可重算,無人能事先選擇。</p>
      <form className="filters" aria-label="抽查條件" onSubmit={(e) => { e.preventDefault(); navigate('checks', { agency: form.agency.trim(), month: form.month }); }}>
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
        <button type="submit">查詢</button>
      </form>
      <p className="error" role="alert">{error}</p>
      {!agency && <p>請輸入機關代碼與月份。</p>}
      {check && (
        <section className="panel" aria-labelledby="check-title" data-testid="monthly-check">
          <h2 id="check-title">{agency} {rocMonth(month)} 抽查紀錄</h2>
          {!drawn ? (
            <p>本月尚未抽樣。</p>
          ) : (
            <>
              <p>
                狀態:<strong>{drawn.status === 'SIGNED_OFF' ? '已簽核' : '已抽樣,比對中'}</strong>;母體 <span data-testid="population">{drawn.population}</span> 筆,抽出 <span data-testid="sample-size">{drawn.sampleSize}</span> 筆;
                已比對 {Object.keys(drawn.compared).length} 筆。{' '}
                <a href={href('ledger', { stream: check.streamId })}>帳本紀錄</a>
              </p>
              {drawn.jointAuditIds.length > 0 && <p className="bad">重大異常,已啟動聯合稽核(要點 十二(二)):{drawn.jointAuditIds.join('、')}</p>}
              <table data-testid="sample-entries">
                <thead><tr><th scope="col">順序</th><th scope="col">抽中之日誌查詢</th><th scope="col">比對結果</th></tr></thead>
                <tbody>
                  {drawn.sample.map((id, i) => {
                    const outcome = drawn.compared[id];
                    return (
                      <tr key={id}>
                        <td>{i + 1}</td>
                        <td><a href={href('ledger', { stream: entryStream(id) })}><code>{id}</code></a></td>
                        <td className={outcome && outcome !== 'MATCH' ? 'bad' : undefined}>{outcome ? OUTCOMES[outcome] : '未比對'}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </>
          )}
        </section>
      )}
      {sample && (
        <section className="panel" aria-labelledby="seed-title" data-testid="seed">
          <h2 id="seed-title">可重算之種子</h2>
          {!sample.recomputed || !sample.closingCheckpoint ? (
            <p>本月結束後尚未簽發檢查點,種子尚無法決定。</p>
          ) : (
            <>
              <p>
                結束檢查點:樹大小 {sample.closingCheckpoint.treeSize},位置 {sample.closingCheckpoint.position},簽發於 {rocDateTime(sample.closingCheckpoint.recordedAt)};
                演算法 <code>{sample.recomputed.algorithm}</code>,日誌摘要 {sample.recomputed.logDigests.length} 份。
              </p>
              <h3>種子材料(SHA-256 之輸入)</h3>
              <pre>{sample.recomputed.seedMaterial}</pre>
              <ul className="steps">
                <li className={browserSeed === sample.recomputed.seed ? 'ok' : 'bad'} data-testid="browser-seed">
                  {browserSeed === null ? '…' : browserSeed === sample.recomputed.seed ? '✔' : '✘'} 瀏覽器以 SHA-256 重算種子:<code>{browserSeed ?? '計算中'}</code>
                  {browserSeed !== null && (browserSeed === sample.recomputed.seed ? '(與服務重算者相符)' : '(與服務重算者不符)')}
                </li>
                {sample.recorded ? (
                  <>
                    <li className={sample.recorded.seed === sample.recomputed.seed ? 'ok' : 'bad'}>
                      {sample.recorded.seed === sample.recomputed.seed ? '✔' : '✘'} 帳本記錄之種子 <code>{sample.recorded.seed}</code>
                    </li>
                    <li className={sample.matches ? 'ok' : 'bad'} data-testid="sample-matches">
                      {sample.matches ? '✔ 重算之樣本與帳本記錄之樣本逐筆相同' : '✘ 重算之樣本與帳本記錄不同(抽樣後日誌有增減,或紀錄遭更動)'}
                    </li>
                  </>
                ) : (
                  <li>尚未抽樣:依此種子將抽出 {sample.recomputed.sampleSize} 筆(母體 {sample.recomputed.population} 筆)。</li>
                )}
              </ul>
            </>
          )}
        </section>
      )}
    </>
  );
}
