import { isIsoDate, TAIPEI_OFFSET_MS, taipeiDateOf } from '../core/calendar';
import { parseAccountId } from '../account/account.ids';
import { isIdSegment } from '../core/stream-id';
import type { QueryOutcomeCode, RejectedLineCode } from './query-log.events';

/**
 * The documented CSV layout of a WebIR query log (docs/webir-log-layout.md, 要點 九(二)): WebIR's
 * real export layout is not public, so the ledger defines one with Traditional Chinese headers and
 * maps the other spellings seen in practice onto it. Pure functions only: the importer streams the
 * file and calls these per line.
 */

export const LOG_FIELDS = ['accountId', 'queryDate', 'queryTime', 'queriedAt', 'operationCode', 'subject', 'caseNumber', 'reason', 'outcome'] as const;
export type LogField = (typeof LOG_FIELDS)[number];

/** The canonical header of each field (first) and the other spellings accepted for it. */
export const HEADER_SPELLINGS: Readonly<Record<LogField, readonly string[]>> = {
  accountId: ['查詢者帳號', '查詢帳號', '使用者帳號', '帳號', 'account', 'accountid'],
  queryDate: ['查詢日期', '日期', 'date', 'querydate'],
  queryTime: ['查詢時間', '時間', 'time', 'querytime'],
  queriedAt: ['查詢日期時間', '查詢時間戳記', '日期時間', 'datetime', 'timestamp', 'queriedat', 'loggedat'],
  operationCode: ['作業代號', '作業代碼', '作業項目代號', '查調項目', 'operationcode', 'opcode'],
  subject: ['被查詢者查詢條件', '查詢條件', '被查詢者身分證號', '身分證統一編號', '身分證號', 'subject', 'nationalid'],
  caseNumber: ['案號', '案件編號', 'casenumber', 'caseno'],
  reason: ['事由', '查詢事由', 'reason'],
  outcome: ['結果', '查詢結果', 'result', 'outcome'],
};

/** The header the ledger documents, in this order. */
export const CANONICAL_HEADER = ['查詢者帳號', '查詢日期', '查詢時間', '作業代號', '被查詢者查詢條件', '案號', '事由', '結果'] as const;

const normalizeHeader = (h: string) => h.replace(/^\uFEFF/, '').replace(/[\s\u3000"']/g, '').replace(/[（(].*?[)）]/g, '').toLowerCase();

const SPELLING_TO_FIELD = new Map<string, LogField>(
  (Object.entries(HEADER_SPELLINGS) as [LogField, readonly string[]][]).flatMap(([field, spellings]) => spellings.map((s) => [normalizeHeader(s), field] as const)),
);

export type HeaderMapping = { ok: true; columns: (LogField | null)[] } | { ok: false; reason: string };

/**
 * Maps a header row onto the layout's fields. Unknown columns are ignored (recorded as null); each
 * field may appear once; date and time come as two columns or as one date-time column.
 */
export function mapHeader(cells: readonly string[]): HeaderMapping {
  const columns = cells.map((c) => SPELLING_TO_FIELD.get(normalizeHeader(c)) ?? null);
  const seen = new Set<LogField>();
  for (const f of columns) {
    if (!f) continue;
    if (seen.has(f)) return { ok: false, reason: `欄位「${HEADER_SPELLINGS[f][0]}」重複` };
    seen.add(f);
  }
  const required: LogField[] = ['accountId', 'operationCode', 'subject', 'caseNumber', 'reason', 'outcome'];
  const missing = required.filter((f) => !seen.has(f)).map((f) => HEADER_SPELLINGS[f][0]);
  const hasTime = seen.has('queriedAt') || (seen.has('queryDate') && seen.has('queryTime'));
  if (!hasTime) missing.push(seen.has('queryDate') ? '查詢時間' : seen.has('queryTime') ? '查詢日期' : '查詢日期、查詢時間');
  if (missing.length > 0) return { ok: false, reason: `缺少欄位:${missing.join('、')}(要點 九(二))` };
  return { ok: true, columns };
}

export type CsvSplit = { ok: true; cells: string[] } | { ok: false; reason: string };

/**
 * One physical line of RFC 4180 CSV. A quoted field may hold commas and doubled quotes but not a
 * line break: a log line is one query, and a line number must name one line of the file.
 */
export function splitCsvLine(line: string): CsvSplit {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return { ok: false, reason: '引號未結束' };
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i < line.length && line[i] !== ',') return { ok: false, reason: '引號後應為逗號' };
      cells.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      const value = line.slice(i, end);
      if (value.includes('"')) return { ok: false, reason: '未加引號的欄位含引號' };
      cells.push(value);
      i = end;
    }
    if (i >= line.length) return { ok: true, cells };
    i++; // the comma
    if (i === line.length) {
      cells.push('');
      return { ok: true, cells };
    }
  }
}

/**
 * A calendar day as WebIR exports write it: ROC `114/03/05`, `114/3/5`, `114-03-05`, `114.03.05`,
 * `1140305` (seven digits, `0990305` for 民國99年), or ISO `2025-03-05`, `2025/03/05`, `20250305`.
 * Returns the Gregorian `YYYY-MM-DD`, or undefined for anything else or an impossible day.
 */
export function parseLogDate(text: string): string | undefined {
  const s = text.trim();
  let y: number, m: number, d: number;
  let match: RegExpExecArray | null;
  if ((match = /^(\d{2,3})[/.-](\d{1,2})[/.-](\d{1,2})$/.exec(s))) {
    [y, m, d] = [Number(match[1]) + 1911, Number(match[2]), Number(match[3])];
  } else if ((match = /^(\d{3})(\d{2})(\d{2})$/.exec(s))) {
    [y, m, d] = [Number(match[1]) + 1911, Number(match[2]), Number(match[3])];
  } else if ((match = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(s)) || (match = /^(\d{4})(\d{2})(\d{2})$/.exec(s))) {
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    return undefined;
  }
  if (y < 1912) return undefined;
  const iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : undefined;
}

/** `09:30`, `9:30:15`, `09:30:15.250`, `093015`, `0930`; seconds optional. Returns `HH:MM:SS.mmm` or undefined. */
export function parseLogTime(text: string): string | undefined {
  const s = text.trim();
  const match = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(s) ?? /^(\d{2})(\d{2})(\d{2})?$/.exec(s);
  if (!match) return undefined;
  const [h, mi, se] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  if (h > 23 || mi > 59 || se > 59) return undefined;
  const ms = (match[4] ?? '0').padEnd(3, '0');
  return `${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(se).padStart(2, '0')}.${ms}`;
}

/**
 * A Taipei local date and time as a UTC instant. The file carries no offset: WebIR's times are
 * Asia/Taipei wall-clock times (UTC+8 all year, no daylight saving since 1980).
 */
export function taipeiLocalToInstant(date: string, time: string): string {
  // A log's lines come in time order, hundreds to an hour; the offset is whole hours, so an instant
  // is its hour's UTC prefix (computed once per hour) and the minutes, seconds and milliseconds as written.
  if (time.length !== 12 || time.charCodeAt(2) !== 58 /* : */) return new Date(Date.parse(`${date}T${time}Z`) - TAIPEI_OFFSET_MS).toISOString();
  const hour = time.slice(0, 2);
  if (date !== lastHour.date || hour !== lastHour.hour) {
    lastHour.prefix = new Date(Date.parse(`${date}T${hour}:00:00.000Z`) - TAIPEI_OFFSET_MS).toISOString().slice(0, 13);
    lastHour.date = date;
    lastHour.hour = hour;
  }
  return `${lastHour.prefix}${time.slice(2)}Z`;
}
/** The last Taipei hour turned into its UTC prefix (`YYYY-MM-DDTHH`). */
const lastHour = { date: '', hour: '', prefix: '' };

/**
 * One date-time column: `114/03/05 09:30:15`, `1140305 093015`, `2025-03-05 09:30`, or ISO 8601
 * with `T` (an explicit offset is honoured; without one, Taipei time).
 */
export function parseLogDateTime(text: string): string | undefined {
  const s = text.trim();
  const iso = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:\d{2})?$/.exec(s);
  if (iso) {
    const date = parseLogDate(iso[1]);
    const time = parseLogTime(iso[2]);
    if (!date || !time) return undefined;
    if (!iso[3]) return taipeiLocalToInstant(date, time);
    const t = Date.parse(`${date}T${time}${iso[3]}`);
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  }
  const parts = s.split(/\s+/);
  if (parts.length !== 2) return undefined;
  const date = parseLogDate(parts[0]);
  const time = parseLogTime(parts[1]);
  return date && time ? taipeiLocalToInstant(date, time) : undefined;
}

/** WebIR's result text → an outcome code. Anything else is not kept: it could be data BLI returned (要點 十一). */
const OUTCOMES: ReadonlyMap<string, QueryOutcomeCode> = new Map([
  ...['成功', '查詢成功', '有資料', '正常', 'found', 'success', 's', 'y'].map((k) => [k, 'FOUND'] as const),
  ...['查無資料', '無資料', '查無', 'not_found', 'notfound', 'n'].map((k) => [k, 'NOT_FOUND'] as const),
  ...['失敗', '查詢失敗', '錯誤', '拒絕', 'failed', 'error', 'e', 'f'].map((k) => [k, 'FAILED'] as const),
]);

export const outcomeCodeOf = (text: string): QueryOutcomeCode | undefined => OUTCOMES.get(text.trim().toLowerCase());

/** What the importer supplies: identifier checks live with personal-data protection, outside the domain. */
export interface LineContext {
  agencyCode: string;
  /** YYYY-MM (Asia/Taipei) the file covers. */
  period: string;
  columns: readonly (LogField | null)[];
  /** The normalized national ID / ARC number, or undefined when it is not a valid one. */
  normalizeId(text: string): string | undefined;
  /** Whether a free text holds a national ID / ARC number anywhere. */
  containsId(text: string): boolean;
}

export interface ParsedLogLine {
  accountId: string;
  loggedAt: string;
  operationCode: string;
  /** The normalized identifier, in memory only: the importer protects it before anything is written. */
  nationalId: string;
  caseNumber: string;
  reason: string;
  outcomeCode: QueryOutcomeCode;
}

export type LineCheck = { ok: true; line: ParsedLogLine } | { ok: false; code: RejectedLineCode; field?: string; reason: string };

/**
 * The last date cell parsed and its day: a log is in time order, so thousands of consecutive lines
 * repeat one date, and checking it as a calendar day each time was a third of a line's check.
 */
const lastDate: { text: string | undefined; date: string | undefined } = { text: undefined, date: undefined };
function rememberDate(text: string): string | undefined {
  lastDate.text = text;
  lastDate.date = parseLogDate(text);
  return lastDate.date;
}

const MAX_CASE_NUMBER = 64;
const MAX_REASON = 1000;

const reject = (code: RejectedLineCode, reason: string, field?: string): LineCheck => ({ ok: false, code, reason, ...(field ? { field } : {}) });

/**
 * 要點 九(二): one data line checked against the layout. The reason is Traditional Chinese and
 * never repeats the line's content (it holds a national ID).
 */
export function checkLogLine(text: string, ctx: LineContext): LineCheck {
  const split = splitCsvLine(text);
  if (!split.ok) return reject('WRONG_COLUMN_COUNT', `CSV 格式錯誤:${split.reason}`);
  const cells = split.cells;
  if (cells.length !== ctx.columns.length) return reject('WRONG_COLUMN_COUNT', `欄位數應為 ${ctx.columns.length},實為 ${cells.length}`);
  const v: Partial<Record<LogField, string>> = {};
  ctx.columns.forEach((f, i) => {
    if (f) v[f] = cells[i].trim();
  });

  const required: LogField[] = ['accountId', 'operationCode', 'subject', 'caseNumber', 'reason', 'outcome'];
  for (const f of required) if (!v[f]) return reject('MISSING_FIELD', `「${HEADER_SPELLINGS[f][0]}」未填`, f);

  const account = parseAccountId(v.accountId);
  if (!account) return reject('BAD_ACCOUNT', '查詢者帳號格式應為 <機關代號>.<ADMIN|USER>.<帳號識別碼>', 'accountId');
  if (account.agencyCode !== ctx.agencyCode) return reject('ACCOUNT_OF_OTHER_AGENCY', '查詢者帳號不屬於匯入之機關', 'accountId');

  let loggedAt: string | undefined;
  if (ctx.columns.includes('queriedAt') && v.queriedAt) {
    loggedAt = parseLogDateTime(v.queriedAt);
    if (!loggedAt) return reject('BAD_DATE', '查詢日期時間格式錯誤(例:114/03/05 09:30:15、2025-03-05T09:30:15+08:00)', 'queriedAt');
    if (taipeiDateOf(loggedAt).slice(0, 7) !== ctx.period) return reject('LOGGED_OUTSIDE_PERIOD', `查詢日期不在日誌所屬月份 ${ctx.period} 內(臺北時間)`, 'queryDate');
  } else {
    if (!v.queryDate) return reject('MISSING_FIELD', '「查詢日期」未填', 'queryDate');
    if (!v.queryTime) return reject('MISSING_FIELD', '「查詢時間」未填', 'queryTime');
    const date = lastDate.text === v.queryDate ? lastDate.date : rememberDate(v.queryDate);
    if (!date) return reject('BAD_DATE', '查詢日期格式錯誤或日期不存在(例:114/03/05、1140305、2025-03-05)', 'queryDate');
    const time = parseLogTime(v.queryTime);
    if (!time) return reject('BAD_TIME', '查詢時間格式錯誤(例:09:30:15、093015)', 'queryTime');
    loggedAt = taipeiLocalToInstant(date, time);
    // A Taipei wall-clock time before 24:00 falls on its own Taipei day (UTC+8, no daylight saving).
    if (date.slice(0, 7) !== ctx.period) return reject('LOGGED_OUTSIDE_PERIOD', `查詢日期不在日誌所屬月份 ${ctx.period} 內(臺北時間)`, 'queryDate');
  }

  const operationCode = v.operationCode!;
  if (!isIdSegment(operationCode) || operationCode.length > 64) return reject('BAD_OPERATION_CODE', '作業代號限英數字、「_」或「:」', 'operationCode');

  const nationalId = ctx.normalizeId(v.subject!);
  if (!nationalId) return reject('BAD_SUBJECT', '被查詢者查詢條件應為有效之身分證統一編號或居留證號', 'subject');

  const caseNumber = v.caseNumber!;
  if ([...caseNumber].length > MAX_CASE_NUMBER) return reject('BAD_CASE_NUMBER', `案號至多 ${MAX_CASE_NUMBER} 字`, 'caseNumber');
  const reason = v.reason!;
  if ([...reason].length > MAX_REASON) return reject('BAD_REASON', `事由至多 ${MAX_REASON} 字`, 'reason');
  for (const [f, text] of [['caseNumber', caseNumber], ['reason', reason], ['operationCode', operationCode]] as const) {
    if (ctx.containsId(text)) return reject('NATIONAL_ID_OUTSIDE_SUBJECT', '身分證統一編號僅得出現於被查詢者查詢條件欄', f);
  }

  const outcomeCode = outcomeCodeOf(v.outcome!);
  if (!outcomeCode) return reject('UNKNOWN_OUTCOME', '結果欄僅接受「成功」「查無資料」「失敗」等結果代碼,不得含勞保局回傳之資料(要點 十一)', 'outcome');

  return { ok: true, line: { accountId: v.accountId!, loggedAt, operationCode, nationalId, caseNumber, reason, outcomeCode } };
}

/** Identity of a line's content within a file, for DUPLICATE_LINE: the same query logged twice at the same instant. */
export const lineIdentity = (l: ParsedLogLine) => [l.accountId, l.loggedAt, l.operationCode, l.nationalId, l.caseNumber, l.reason, l.outcomeCode].join('\u0000');

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
export const isLogPeriod = (value: unknown): value is string => typeof value === 'string' && MONTH.test(value) && Number(value.slice(0, 4)) >= 1912;
