import type { SectionDefinition, SectionResult } from './sections/types';
import { roc } from './sections/labels';

export interface ReportFacts {
  agencyCode: string;
  agencyName: string;
  from: string;
  to: string;
  generatedAt: string;
  holders: 'masked' | 'revealed';
  purpose: string | null;
  events: number;
  checkpoint: { origin: string; treeSize: number; rootHash: string; keyName: string; keyId: string };
}

/** Rows the report prints per section; the rest are in the section's CSV. */
export const REPORT_ROWS = 40;

export interface ReportLine {
  kind: 'title' | 'heading' | 'figure' | 'row' | 'note';
  text: string;
}

export const sectionHeading = (n: number, def: Pick<SectionDefinition, 'title' | 'rule'>) => `${toChineseNumber(n)}、${def.title}(${def.rule})`;
export const countLine = (rows: number) => `本節筆數:${rows}`;
export const INTEGRITY_TITLE = '完整性聲明';

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
export function toChineseNumber(n: number): string {
  if (n < 10) return DIGITS[n];
  if (n < 20) return `十${n % 10 ? DIGITS[n % 10] : ''}`;
  return `${DIGITS[Math.floor(n / 10)]}十${n % 10 ? DIGITS[n % 10] : ''}`;
}

/** The integrity statement's figures; the verifier finds each in the report. */
export function integrityFigures(facts: Pick<ReportFacts, 'events' | 'checkpoint'>): string[] {
  return [
    `檢查點來源:${facts.checkpoint.origin}`,
    `樹大小:${facts.checkpoint.treeSize}`,
    `根雜湊:${facts.checkpoint.rootHash}`,
    `簽章金鑰:${facts.checkpoint.keyName},金鑰識別碼:${facts.checkpoint.keyId}`,
    `本資料包事件數:${facts.events}`,
  ];
}

/**
 * The report's text, line by line: what the PDF prints and what the verifier expects to find in it
 * (headings, counts, figures), from one definition.
 */
export function reportLines(facts: ReportFacts, sections: { def: SectionDefinition; result: SectionResult }[], rowsPerSection: number): ReportLine[] {
  const lines: ReportLine[] = [
    { kind: 'title', text: `勞保WebIR使用情形稽核資料包` },
    { kind: 'figure', text: `機關:${facts.agencyName}(${facts.agencyCode})` },
    { kind: 'figure', text: `期間:${roc(facts.from)}至${roc(facts.to)}(Asia/Taipei)` },
    { kind: 'figure', text: `產製時間:${roc(facts.generatedAt)}(帳本時間 ${facts.generatedAt})` },
    { kind: 'figure', text: `資料基準:帳本檢查點樹大小 ${facts.checkpoint.treeSize} 時之全部紀錄` },
    {
      kind: 'note',
      text:
        facts.holders === 'revealed'
          ? `持有人資料依查閱目的揭露(已記錄於帳本):${facts.purpose}`
          : '持有人之身分證統一編號及姓名已遮蔽(要點 八);揭露須敘明目的並記錄於帳本。',
    },
    { kind: 'note', text: '依據:臺北市政府使用勞保WebIR作業要點 十二(五),勞保局實施稽核時應備妥使用者清冊、稽核紀錄及相關稽核資料。' },
  ];
  sections.forEach(({ def, result }, i) => {
    lines.push({ kind: 'heading', text: sectionHeading(i + 1, def) });
    lines.push({ kind: 'figure', text: countLine(result.rows.length) });
    for (const s of result.summary) lines.push({ kind: 'figure', text: s });
    if (def.reportColumns.length > 0 && result.rows.length > 0) {
      lines.push({ kind: 'row', text: def.reportColumns.map((c) => def.headers[c]).join(' | ') });
      for (const row of result.rows.slice(0, rowsPerSection)) lines.push({ kind: 'row', text: def.reportColumns.map((c) => row.cells[c] || '—').join(' | ') });
    }
    if (result.rows.length > (def.reportColumns.length > 0 ? rowsPerSection : 0)) lines.push({ kind: 'note', text: `全部 ${result.rows.length} 筆見 ${def.file}` });
  });
  lines.push({ kind: 'heading', text: `${toChineseNumber(sections.length + 1)}、${INTEGRITY_TITLE}(要點 十二(五)、十二(十一))` });
  for (const f of integrityFigures(facts)) lines.push({ kind: 'figure', text: f });
  lines.push({
    kind: 'note',
    text: '本資料包每一事件均附其於上述已簽章檢查點之包含證明(RFC 9162);以公開金鑰即可離線驗證事件雜湊、串流雜湊鏈、包含證明、簽章,以及各表與本報告之筆數,毋須連線帳本。驗證方式見「說明.txt」。',
  });
  return lines;
}
