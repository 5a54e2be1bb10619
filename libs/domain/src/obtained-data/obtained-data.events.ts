import type { DomainEvent } from '../core/decider';
import type { IsoDate } from '../core/calendar';
import { streamIdOf } from '../core/stream-id';

/** What a copy of obtained data is: the file or paper as obtained, one made from it, or a backup (要點 十一(三)2). */
export const OBTAINED_COPY_KINDS = ['ORIGINAL', 'DERIVED', 'BACKUP'] as const;
export type ObtainedCopyKind = (typeof OBTAINED_COPY_KINDS)[number];
export const OBTAINED_MEDIA = ['PAPER', 'ELECTRONIC'] as const;
export type ObtainedMedium = (typeof OBTAINED_MEDIA)[number];
/** 要點 九(一)3: paper as 密件, electronic files encrypted; `NONE` is accepted as input only to be refused. */
export const OBTAINED_PROTECTIONS = ['CONFIDENTIAL_PAPER', 'ENCRYPTED_FILE', 'NONE'] as const;
export type ObtainedProtection = (typeof OBTAINED_PROTECTIONS)[number];
/** 要點 十一(三)1: paper shredded beyond recognition; electronic files erased beyond recovery, or the medium destroyed. */
export const DELETION_METHODS = ['SHREDDED', 'SECURE_ERASE', 'MEDIUM_DESTROYED'] as const;
export type DeletionMethod = (typeof DELETION_METHODS)[number];
export const DISCLOSURE_RECIPIENTS = ['THIRD_PARTY', 'OTHER_AGENCY', 'INTERNATIONAL'] as const;
export type DisclosureRecipient = (typeof DISCLOSURE_RECIPIENTS)[number];
/** 要點 十一(二)2: use complete and no need to keep; 十一(二)3: the legal basis or the need for WebIR data lapsed. */
export const USE_END_REASONS = ['USE_COMPLETE', 'BASIS_LAPSED'] as const;
export type UseEndReason = (typeof USE_END_REASONS)[number];

/** Where one copy is kept and how. Never the data itself: the ledger holds no obtained data (要點 十一). */
export interface ObtainedDataCopy {
  copyId: string;
  kind: ObtainedCopyKind;
  medium: ObtainedMedium;
  protection: Exclude<ObtainedProtection, 'NONE'>;
  /** Where it is kept (a file share, a case folder, a cabinet): free text without personal data. */
  location: string;
}

export interface DeclaredPeriod {
  /** Last day of use the agency declared (要點 十一(二)2); null when tied to a case's end rather than a date. */
  until: IsoDate | null;
  basis: string;
}

export interface StatutoryRetention {
  /** Kept at least until the end of this Taipei day, by law (要點 十一(二)1). */
  until: IsoDate;
  basis: string;
}

export type ObtainedDataRecorded = DomainEvent<
  'ObtainedDataRecorded',
  {
    recordId: string;
    agencyCode: string;
    /** The query registrations the data came from: ids only, never a subject. */
    registrationIds: string[];
    obtainedOn: IsoDate;
    legalBasis: string;
    use: DeclaredPeriod;
    statutoryRetention: StatutoryRetention | null;
    copies: ObtainedDataCopy[];
  }
>;

export type ObtainedDataCopyMade = DomainEvent<'ObtainedDataCopyMade', { recordId: string; agencyCode: string; copy: ObtainedDataCopy }>;

export type ObtainedDataDisclosed = DomainEvent<
  'ObtainedDataDisclosed',
  {
    recordId: string;
    agencyCode: string;
    disclosureId: string;
    recipientKind: DisclosureRecipient;
    recipient: string;
    disclosedOn: IsoDate;
    legalBasis: string | null;
    /** 要點 八: a disclosure reported after the fact without a legal basis is kept, flagged for 政風 and correction. */
    flag: 'NO_LEGAL_BASIS' | null;
  }
>;

export type ObtainedDataUseEnded = DomainEvent<
  'ObtainedDataUseEnded',
  {
    recordId: string;
    agencyCode: string;
    endedOn: IsoDate;
    reason: UseEndReason;
    rule: string;
    note: string | null;
    /** Deletion due (要點 十一(二)): decided here once, deferred past any statutory retention. */
    duty: { kind: 'DELETE_OBTAINED_DATA'; rule: string; dueDate: IsoDate };
  }
>;

export type ObtainedDataDeleted = DomainEvent<
  'ObtainedDataDeleted',
  {
    recordId: string;
    agencyCode: string;
    deletionId: string;
    deletedOn: IsoDate;
    copyIds: string[];
    temporaryFilesCleared: boolean;
    method: DeletionMethod;
    performedBy: { unit: string; accountId: string | null };
    evidence: { reference: string; description: string };
    /** Copies still held after this deletion (backups, derived files): while any remain the duty stays open. */
    remainingCopyIds: string[];
    complete: boolean;
    meetsDuty: 'DELETE_OBTAINED_DATA' | null;
  }
>;

export type ObtainedDataEvent = ObtainedDataRecorded | ObtainedDataCopyMade | ObtainedDataDisclosed | ObtainedDataUseEnded | ObtainedDataDeleted;

/** One stream per body of obtained data: it grows by a handful of events over its life, never without bound. */
export const obtainedDataStreamId = (recordId: string) => streamIdOf('obtaineddata', recordId);
