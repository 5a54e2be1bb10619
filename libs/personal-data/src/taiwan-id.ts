/**
 * Taiwan personal identifiers: the national ID (國民身分證統一編號) and the resident-certificate
 * numbers (居留證 / 外來人口統一證號) in their old (letter + A–D) and 2021 (letter + 8/9) forms.
 * All three share one check-digit scheme; only the meaning of the second character differs.
 */
export type TaiwanIdKind = 'NATIONAL_ID' | 'ARC_OLD' | 'ARC_NEW';

/** Why an input was rejected. Codes only: a reason never quotes the input. */
export type TaiwanIdInvalidReason = 'not-a-string' | 'empty' | 'bad-length' | 'bad-format' | 'bad-check-digit';

export type TaiwanIdResult =
  | { ok: true; kind: TaiwanIdKind; normalized: string }
  | { ok: false; reason: TaiwanIdInvalidReason };

/** Two-digit area codes of the leading letter. I, O, W–Z are out of order because they were added later. */
const LETTER_CODES: Readonly<Record<string, number>> = {
  A: 10, B: 11, C: 12, D: 13, E: 14, F: 15, G: 16, H: 17, I: 34, J: 18, K: 19, L: 20, M: 21,
  N: 22, O: 35, P: 23, Q: 24, R: 25, S: 26, T: 27, U: 28, V: 29, W: 32, X: 30, Y: 31, Z: 33,
};

/** Applied to: letter tens digit, letter units digit, then characters 2–10 (the last is the check digit). */
const WEIGHTS = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1] as const;

const NATIONAL_ID = /^[A-Z][12][0-9]{8}$/;
const ARC_OLD = /^[A-Z][A-D][0-9]{8}$/;
const ARC_NEW = /^[A-Z][89][0-9]{8}$/;

/**
 * NFKC first because forms filled in on Taiwanese systems often carry full-width characters
 * (Ａ１２３…), which would otherwise hash to a different holder key than the same ID typed in ASCII.
 */
export function normalizeTaiwanId(input: string): string {
  return input.normalize('NFKC').trim().toUpperCase();
}

/** Value of the second character in the weighted sum; the old ARC letter counts by its code's units digit. */
function secondCharValue(ch: string): number {
  const letterCode = LETTER_CODES[ch];
  return letterCode === undefined ? Number(ch) : letterCode % 10;
}

function weightedSum(id: string): number {
  const code = LETTER_CODES[id[0]!]!;
  const digits = [Math.floor(code / 10), code % 10, secondCharValue(id[1]!)];
  for (let i = 2; i < 10; i += 1) digits.push(Number(id[i]));
  return digits.reduce((sum, d, i) => sum + d * WEIGHTS[i]!, 0);
}

export function validateTaiwanId(input: unknown): TaiwanIdResult {
  if (typeof input !== 'string') return { ok: false, reason: 'not-a-string' };
  const normalized = normalizeTaiwanId(input);
  if (normalized.length === 0) return { ok: false, reason: 'empty' };
  if (normalized.length !== 10) return { ok: false, reason: 'bad-length' };
  const kind: TaiwanIdKind | undefined = NATIONAL_ID.test(normalized)
    ? 'NATIONAL_ID'
    : ARC_NEW.test(normalized)
      ? 'ARC_NEW'
      : ARC_OLD.test(normalized)
        ? 'ARC_OLD'
        : undefined;
  if (kind === undefined) return { ok: false, reason: 'bad-format' };
  if (weightedSum(normalized) % 10 !== 0) return { ok: false, reason: 'bad-check-digit' };
  return { ok: true, kind, normalized };
}

export function isValidTaiwanId(input: unknown): boolean {
  return validateTaiwanId(input).ok;
}

const EMBEDDED_SHAPE = /[A-Z][0-9A-D][0-9]{8}/g;

/**
 * Whether a text carries a checksum-valid national ID or resident-certificate number anywhere in
 * it (`person_A123456789`, `A123456789.x`, `案號A123456789-1`, full-width digits): free text and
 * identifiers must never smuggle one into the log. Overlapping windows are all checked.
 */
export function containsTaiwanId(text: unknown): boolean {
  if (typeof text !== 'string' || text.length < 10) return false;
  const normalized = text.normalize('NFKC').toUpperCase();
  for (let i = 0; i + 10 <= normalized.length; i += 1) {
    EMBEDDED_SHAPE.lastIndex = i;
    const match = EMBEDDED_SHAPE.exec(normalized);
    if (!match) return false;
    if (validateTaiwanId(match[0]).ok) return true;
    i = match.index;
  }
  return false;
}
