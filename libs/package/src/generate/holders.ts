import { PersonalDataErasedError, type PersonalDataProtector } from '@ledger/personal-data';
import type { HolderResolver } from './generate-package';

/** Holder data from the key vault; an erased person (要點 十一) gives null. */
export const holdersFromVault =
  (protector: PersonalDataProtector): HolderResolver =>
  async (h) => {
    try {
      const [nationalId, name] = await Promise.all([protector.reveal(h.personId, h.nationalIdCiphertext, 'nationalId'), protector.reveal(h.personId, h.nameCiphertext, 'name')]);
      return { nationalId, name };
    } catch (error) {
      if (error instanceof PersonalDataErasedError) return null;
      throw error;
    }
  };
