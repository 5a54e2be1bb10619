import type { IsoDate } from '../core/calendar';
import type { DomainEvent } from '../core/decider';
import type { Duty, DutyKind } from '../core/duty';
import type { AccountKind } from './account.ids';

/**
 * The natural person behind an account. `holderKey` is a keyed hash of the national ID and the
 * ciphertexts are sealed under the person's data key elsewhere, so shredding that key erases the
 * person while this event, its hash and the audit trail stay intact.
 */
export interface AccountHolder {
  personId: string;
  holderKey: string;
  nationalIdCiphertext: string;
  nameCiphertext: string;
}

/** `incarnation` counts creations in this stream: a deleted account may be created again later. */
export type AccountCreated = DomainEvent<
  'AccountCreated',
  {
    accountId: string;
    agencyCode: string;
    kind: AccountKind;
    incarnation: number;
    applicationId: string;
    holder: AccountHolder;
    myEGovAccountId: string;
    certificateBound: true;
    post: string;
    unit: string;
  }
>;

interface MeetsDuty {
  /** Present when this event fulfils the duty a post change opened. */
  meetsDuty?: DutyKind;
}

export type AccountQueryItemsGranted = DomainEvent<
  'AccountQueryItemsGranted',
  { accountId: string; operationCodes: string[]; applicationId: string } & MeetsDuty
>;

export type AccountQueryItemsRevoked = DomainEvent<
  'AccountQueryItemsRevoked',
  { accountId: string; operationCodes: string[]; reason: string } & MeetsDuty
>;

/** 要點 六(四)(五): opens the duty to disable (administrator) or adjust or remove (user) by the effective date. */
export type AccountPostChanged = DomainEvent<
  'AccountPostChanged',
  {
    accountId: string;
    effectiveDate: IsoDate;
    newPost: string | null;
    newUnit: string | null;
    /** Administrators only: the account that takes over (要點 六(四)). */
    successorAccountId: string | null;
    duty: Duty;
    /**
     * 要點 六(四)(五): the procedure is filed before the move; reported after its effective day
     * (Asia/Taipei) it is itself late. Absent on events recorded before this was decided.
     */
    reportedLate?: boolean;
  }
>;

export interface Handover {
  successorAccountId: string;
  effectiveDate: IsoDate;
  /** Disabled on or before the effective date (要點 六(四)); a late disable is still recorded. */
  onTime: boolean;
}

export type AccountDisabled = DomainEvent<
  'AccountDisabled',
  { accountId: string; reason: string; disabledOn: IsoDate; handover?: Handover } & MeetsDuty
>;

export type AccountDeleted = DomainEvent<
  'AccountDeleted',
  { accountId: string; reason: string; applicationId: string } & MeetsDuty
>;

export type AccountEvent =
  | AccountCreated
  | AccountQueryItemsGranted
  | AccountQueryItemsRevoked
  | AccountPostChanged
  | AccountDisabled
  | AccountDeleted;
