import { validateTaiwanId } from '@ledger/personal-data';

const EMBEDDED = /[A-Z][0-9A-D][0-9]{8}/g;

/**
 * Whether a text carries a checksum-valid national ID or resident certificate number anywhere in it,
 * full-width digits and lower case included. Every overlapping ten-character window is checked.
 */
export function carriesTaiwanId(text: unknown): boolean {
  if (typeof text !== 'string' || text.length < 10) return false;
  const normalized = text.normalize('NFKC').toUpperCase();
  for (let i = 0; i + 10 <= normalized.length; i += 1) {
    EMBEDDED.lastIndex = i;
    const match = EMBEDDED.exec(normalized);
    if (!match) return false;
    if (validateTaiwanId(match[0]).ok) return true;
    i = match.index;
  }
  return false;
}
