import type { CheckedIdentifier, PersonalDataProtector } from '@ledger/personal-data';
import type { ProtectedQuerySubject } from '@ledger/domain';

/**
 * What the decider sees of a subject the key vault has never seen: no person id exists for it yet,
 * and none is made until the registration is accepted. Never appended: the processor's `accepted`
 * step replaces it with the real subject first.
 */
export const PENDING_SUBJECT: ProtectedQuerySubject = { personId: 'person_pending', nationalIdCiphertext: 'pending' };

/**
 * The subject as the decider may judge it before anything is created: the person id the blind index
 * already holds (so that a resent registration is recognised), else a placeholder. Looking up creates
 * nothing, so a refused registration leaves no orphan person id or data key in the vault. The number
 * is checked (and keyed) at once; the vault is asked only when an answer is needed — a registration
 * stream that exists already, or a retry's fingerprint — and at most once.
 */
export function knownSubject(
  protector: PersonalDataProtector,
  nationalId: string,
): { checked: CheckedIdentifier; personId: () => Promise<string | null>; subject: () => Promise<ProtectedQuerySubject> } {
  const checked = protector.check(nationalId);
  let lookup: Promise<string | null> | undefined;
  const personId = () => (lookup ??= protector.findPerson(checked).then((id) => id ?? null));
  const subject = async () => {
    const id = await personId();
    return id ? { personId: id, nationalIdCiphertext: PENDING_SUBJECT.nationalIdCiphertext } : PENDING_SUBJECT;
  };
  return { checked, personId, subject };
}

/**
 * The one place a query subject's national ID / ARC number is turned into what events may hold:
 * the random person id from the blind index in the key vault (one person whether queried or holding
 * an account, so 政風 can link them; erasure destroys the index entry) and the number sealed under
 * that person's data key. Called only for accepted registrations; a subject has no name to seal.
 *
 * Subjects of registrations accepted in the same turn of the event loop (a batch's items, or
 * concurrent single requests) are protected together: one vault transaction, so one sync, for all of
 * them instead of two each. Only accepted registrations reach it, so a refused one still leaves
 * nothing in the vault. When the joint call fails (one subject erased meanwhile, say), each is
 * protected alone so that only its own registration fails.
 */
export class SubjectProtectionBatcher {
  private pending: { nationalId: string | CheckedIdentifier; resolve: (s: ProtectedQuerySubject) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly protector: PersonalDataProtector) {}

  protect(nationalId: string | CheckedIdentifier): Promise<ProtectedQuerySubject> {
    return new Promise((resolve, reject) => {
      this.pending.push({ nationalId, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let subjects: ProtectedQuerySubject[];
    try {
      subjects = await this.protector.protectIdentifiers(batch.map((b) => b.nationalId));
    } catch {
      for (const b of batch) this.protector.protectIdentifiers([b.nationalId]).then(([subject]) => b.resolve(subject), b.reject);
      return;
    }
    batch.forEach((b, i) => b.resolve(subjects[i]));
  }
}
