import { InvalidPersonIdError } from './errors';
import { freshRandomBytes } from './random-pool';
import { containsTaiwanId } from './taiwan-id';

const PERSON_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
// Shape of any national ID / ARC number, valid or not, in either case.
const IDENTIFIER_SHAPE = /^[A-Za-z][0-9A-Da-d][0-9]{8}$/;

/**
 * Person ids appear in clear in tombstones, error messages and AAD, and outlive erasure. They
 * must be opaque (a UUID or a ledger-issued id); an identifier-shaped id is refused because it
 * would put the very number being shredded into records that are kept for good.
 */
export function assertPersonId(personId: unknown): asserts personId is string {
  if (typeof personId !== 'string') throw new InvalidPersonIdError('not-a-string');
  // Anywhere in the id, not only the whole of it: `person_<ID>`, `<ID>.x` and `<ID>-` carry it just as well.
  if (IDENTIFIER_SHAPE.test(personId.trim()) || containsTaiwanId(personId)) throw new InvalidPersonIdError('looks-like-a-national-id-or-arc-number');
  if (!PERSON_ID.test(personId)) throw new InvalidPersonIdError('1-128-chars-of-letters-digits-and-_.:-');
}

/** Random hex that happens to contain a valid-looking ID would be refused wherever it is sent back. */
export function randomHex(): string {
  for (;;) {
    const candidate = freshRandomBytes(16).toString('hex');
    if (!containsTaiwanId(candidate)) return candidate;
  }
}

/**
 * A new person id: `person_` and a UUIDv7 (RFC 9562) in hex, i.e. the creation millisecond then 74
 * random bits. The vault's indexes on person ids then grow at one end instead of taking each new
 * person on a random page: a month's log brings tens of thousands, and random ids cost a page
 * written per index per person (≈ 40 % of the vault's time for a new subject). The millisecond says
 * no more than the first event naming the person does; nothing in it comes from the person.
 */
export function newPersonId(now = Date.now()): string {
  // A run of the random tail is cured by drawing again; a millisecond whose hex reads as an ID by
  // itself is not (a clock standing still, as in tests, would loop for ever): after three draws
  // each retry moves one millisecond on.
  for (let attempt = 0; ; attempt++) {
    const bytes = freshRandomBytes(16);
    bytes.writeUIntBE((now + Math.max(0, attempt - 2)) % 2 ** 48, 0, 6);
    bytes[6] = (bytes[6] & 0x0f) | 0x70;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const candidate = bytes.toString('hex');
    if (!containsTaiwanId(candidate)) return `person_${candidate}`;
  }
}
