import type { PersonalDataProtector } from '@ledger/personal-data';
import type { ProtectedQuerySubject } from '@ledger/domain';

// The protector seals an identifier together with a name; a query subject comes without one,
// so a fixed placeholder is sealed and its ciphertext dropped.
const NO_NAME = '（查詢對象）';

/**
 * The one place a query subject's national ID / ARC number is turned into what events may hold:
 * the random person id from the blind index in the key vault (one person whether queried or holding
 * an account, so 政風 can link them; erasure destroys the index entry) and the number sealed under
 * that person's data key.
 */
export async function protectSubject(protector: PersonalDataProtector, nationalId: string): Promise<ProtectedQuerySubject> {
  const { personId } = await protector.resolvePerson(nationalId);
  const { nationalIdCiphertext } = await protector.protect(personId, { nationalId, name: NO_NAME });
  return { personId, nationalIdCiphertext };
}
