import { writeFileSync, createWriteStream } from 'node:fs';
import * as iconv from 'iconv-lite';

/** Check-digit-valid national IDs for fixtures (要點 九(一) subjects), the n-th of a fixed series. */
export function nationalId(n: number): string {
  const letters = 'ABCDEFGHJKLMNPQRSTUVXYWZIO';
  const letter = letters[n % 26];
  const code = 10 + (n % 26);
  const body = `${1 + (Math.floor(n / 26) % 2)}${String(Math.floor(n / 52) % 10_000_000).padStart(7, '0')}`;
  const digits = [Math.floor(code / 10), code % 10, ...body.split('').map(Number)];
  const weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1];
  const sum = digits.reduce((s, d, i) => s + d * weights[i], 0);
  return `${letter}${body}${(10 - (sum % 10)) % 10}`;
}

export const LOG_HEADER = '查詢者帳號,查詢日期,查詢時間,作業代號,被查詢者查詢條件,案號,事由,結果';

export interface LogRow {
  accountId: string;
  /** Taipei local date as written: 114/03/05, 1140305 or 2025-03-05. */
  date: string;
  time: string;
  operationCode: string;
  subject: string;
  caseNumber: string;
  reason: string;
  result: string;
}

export const logLine = (r: LogRow) => [r.accountId, r.date, r.time, r.operationCode, r.subject, r.caseNumber, r.reason, r.result].join(',');

export type FixtureEncoding = 'UTF-8' | 'UTF-8-BOM' | 'BIG5';

export function encode(text: string, encoding: FixtureEncoding): Buffer {
  if (encoding === 'BIG5') return iconv.encode(text, 'big5');
  return Buffer.concat([encoding === 'UTF-8-BOM' ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
}

export function writeLog(path: string, lines: string[], encoding: FixtureEncoding, header = LOG_HEADER, eol = '\r\n'): void {
  writeFileSync(path, encode([header, ...lines].join(eol) + eol, encoding));
}

/** A large log written in pieces (bounded memory), for the bench. */
export async function writeLargeLog(path: string, count: number, encoding: FixtureEncoding, row: (i: number) => string): Promise<void> {
  const out = createWriteStream(path);
  const write = (b: Buffer) => (out.write(b) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r())));
  await write(encode(LOG_HEADER + '\r\n', encoding));
  let batch: string[] = [];
  for (let i = 0; i < count; i++) {
    batch.push(row(i));
    if (batch.length === 5000) {
      await write(encode(batch.join('\r\n') + '\r\n', encoding === 'UTF-8-BOM' ? 'UTF-8' : encoding));
      batch = [];
    }
  }
  if (batch.length > 0) await write(encode(batch.join('\r\n') + '\r\n', encoding === 'UTF-8-BOM' ? 'UTF-8' : encoding));
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}
