import { normalizeTaiwanId } from './taiwan-id';

const MASK_CHAR = '○';
const ID_MASK = '*';

/**
 * `A123456789` → `A12****789`: enough for a clerk to tell two records apart on screen, too little
 * to query BLI with. Input that is not 10 characters is masked entirely and to a fixed length,
 * so that the mask does not reveal what a malformed value looked like or how long it was.
 */
export function maskNationalId(nationalId: string): string {
  const chars = typeof nationalId === 'string' ? [...normalizeTaiwanId(nationalId)] : [];
  if (chars.length !== 10) return ID_MASK.repeat(10);
  return `${chars.slice(0, 3).join('')}${ID_MASK.repeat(4)}${chars.slice(-3).join('')}`;
}

const graphemes = new Intl.Segmenter('zh-Hant', { granularity: 'grapheme' });

/**
 * `王小明` → `王○明`, `歐陽娜娜` → `歐○○娜`, `王明` → `王○`, `明` → `○`. Counts user-perceived
 * characters, not UTF-16 units, so that rare characters outside the BMP (e.g. 𡘙) and combining
 * marks are never split into half a character that would leak part of the name.
 */
export function maskName(name: string): string {
  const chars = typeof name === 'string' ? Array.from(graphemes.segment(name.normalize('NFC').trim()), (s) => s.segment) : [];
  if (chars.length === 0) return '';
  if (chars.length === 1) return MASK_CHAR;
  if (chars.length === 2) return `${chars[0]}${MASK_CHAR}`;
  return `${chars[0]}${MASK_CHAR.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}
