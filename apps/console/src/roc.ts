// Every date the console shows is in Asia/Taipei with its ROC year (民國), as the 要點 reports are.
const parts = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Taipei',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function taipei(instant: string | Date): Record<string, string> {
  const d = typeof instant === 'string' ? new Date(instant) : instant;
  return Object.fromEntries(parts.formatToParts(d).map((p) => [p.type, p.value]));
}

/** 2025-07-04 (a business date) → 民國114年07月04日 */
export function rocDate(date: string | null | undefined): string {
  if (!date) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m) return `民國${Number(m[1]) - 1911}年${m[2]}月${m[3]}日`;
  const p = taipei(date);
  return `民國${Number(p.year) - 1911}年${p.month}月${p.day}日`;
}

/** An instant → 民國114年07月04日 09:00:00(臺北時間) */
export function rocDateTime(instant: string | null | undefined): string {
  if (!instant) return '—';
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return instant;
  const p = taipei(d);
  return `民國${Number(p.year) - 1911}年${p.month}月${p.day}日 ${p.hour}:${p.minute}:${p.second}(臺北時間)`;
}

/** Today's business date in Asia/Taipei, YYYY-MM-DD. */
export function taipeiToday(now = new Date()): string {
  const p = taipei(now);
  return `${p.year}-${p.month}-${p.day}`;
}

/** A datetime-local value (read as Taipei time) → an ISO instant with its offset, as the API wants. */
export function taipeiLocalToIso(local: string): string {
  if (!local) return '';
  const withSeconds = local.length === 16 ? `${local}:00` : local;
  return `${withSeconds}+08:00`;
}

/** The reverse, for filling the picker from the URL. */
export function isoToTaipeiLocal(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = taipei(d);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** 2025-03 → 民國114年03月 */
export function rocMonth(month: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month ?? '');
  return m ? `民國${Number(m[1]) - 1911}年${m[2]}月` : '—';
}

/** The Taipei month before this one, YYYY-MM: the month whose log is usually reconciled. */
export function lastTaipeiMonth(now = new Date()): string {
  const [y, m] = taipeiToday(now).split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}
