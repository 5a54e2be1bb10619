import { InvalidPersonIdError } from './errors';
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
