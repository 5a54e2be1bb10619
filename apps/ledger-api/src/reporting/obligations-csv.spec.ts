import type { ObligationView } from '@ledger/projections';
import { obligationsCsv } from './obligations.controller';

const view = (i: number, met: boolean): ObligationView => ({
  obligationId: `EXPLAIN_UNREGISTERED_QUERY:SWD001.imp.${i}:${100 + i}`,
  agencyCode: 'SWD001',
  kind: 'EXPLAIN_UNREGISTERED_QUERY',
  rule: '要點 九(一)',
  title: '說明無查詢資料登記表之查詢紀錄(或補登記)',
  subject: i === 2 ? '=cmd|"quoted",x' : `SWD001.imp.${i}`,
  dueDate: '2025-06-30',
  dueAt: '2025-06-30T15:59:59.999Z',
  createdAt: '2025-06-01T01:00:00.000Z',
  createdKnownAt: '2025-06-01T01:00:00.000Z',
  createdBy: { eventId: 'e', streamId: 'querylog-SWD001.imp', position: String(100 + i), type: 'UnregisteredQueriesFound' },
  metAt: met ? '2025-07-01T02:00:00.000Z' : null,
  metKnownAt: met ? '2025-07-01T02:00:00.000Z' : null,
  metBy: met ? { eventId: 'f', streamId: `unregisteredquery-SWD001.imp.${i}`, position: String(900 + i), type: 'UnregisteredQueryExplained' } : null,
  state: met ? 'met' : 'overdue',
  metLate: met,
  asOf: '2025-07-02T00:00:00.000Z',
});

async function text(pages: ObligationView[][]): Promise<string> {
  async function* gen() {
    for (const page of pages) yield page;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of await obligationsCsv(gen())) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

describe('GET /obligations?format=csv, streamed a page at a time', () => {
  it('is the same text whether the obligations come in one page or several (BOM, CRLF, quoting, ROC dates)', async () => {
    const all = Array.from({ length: 7 }, (_, i) => view(i, i % 2 === 0));
    const whole = await text([all]);
    expect(await text([all.slice(0, 3), all.slice(3, 6), all.slice(6)])).toBe(whole);
    const lines = whole.split('\r\n');
    expect(lines[0]).toBe('\uFEFF機關代碼,義務種類,要點,義務名稱,對象,到期日,狀態,逾期完成,完成時間(臺北),建立事件,完成事件');
    expect(lines).toHaveLength(9);
    expect(lines[1]).toBe('SWD001,EXPLAIN_UNREGISTERED_QUERY,要點 九(一),說明無查詢資料登記表之查詢紀錄(或補登記),SWD001.imp.0,民國114年06月30日,已完成,是,民國114年07月01日 10:00:00,querylog-SWD001.imp#100,unregisteredquery-SWD001.imp.0#900');
    expect(lines[3]).toContain(`"'=cmd|""quoted"",x"`);
  });

  it('is the headers alone when nothing matches', async () => {
    expect(await text([])).toBe('\uFEFF機關代碼,義務種類,要點,義務名稱,對象,到期日,狀態,逾期完成,完成時間(臺北),建立事件,完成事件\r\n');
  });
});
