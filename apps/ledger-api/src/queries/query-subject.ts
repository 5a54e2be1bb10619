import type { PersonalDataProtector } from '@ledger/personal-data';
import type { ProtectedQuerySubject } from '@ledger/domain';
import { personIdOf } from '../access/accounts/account.handler';

// The protector encrypts an identifier together with a name; a query subject has no name here,
// so a fixed placeholder is sealed and its ciphertext dropped.
const NO_NAME = '（查詢對象）';

/**
 * The one place a query subject's national ID / ARC number is turned into what events may hold.
 * Person ids follow the holders' scheme, so a person queried and holding an account is one person
 * to 政風; when person ids become random and the blind index moves into the key vault, this
 * becomes `(await protector.resolvePerson(nationalId)).personId`.
 */
export async function protectSubject(protector: PersonalDataProtector, nationalId: string): Promise<ProtectedQuerySubject> {
  const personId = personIdOf(protector.lookupKey(nationalId));
  const { nationalIdCiphertext } = await protector.protect(personId, { nationalId, name: NO_NAME });
  return { personId, nationalIdCiphertext };
}
