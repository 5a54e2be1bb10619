import type { IsoDate } from '../core/calendar';
import type { DeclaredPeriod, DeletionMethod, DisclosureRecipient, ObtainedCopyKind, ObtainedMedium, ObtainedProtection, StatutoryRetention, UseEndReason } from './obtained-data.events';

/** A copy as a client describes it: the protection is checked, not assumed (要點 九(一)3). */
export interface ObtainedDataCopyInput {
  copyId: string;
  kind: ObtainedCopyKind;
  medium: ObtainedMedium;
  protection: ObtainedProtection;
  location: string;
}

export interface RecordObtainedData {
  type: 'RecordObtainedData';
  recordId: string;
  agencyCode: string;
  registrationIds: string[];
  obtainedOn: IsoDate;
  legalBasis: string;
  use: DeclaredPeriod;
  statutoryRetention: StatutoryRetention | null;
  copies: ObtainedDataCopyInput[];
  /** Loaded by the handler: the agency each named registration belongs to, or null when there is none. */
  registrationAgencies: Record<string, string | null>;
}

export interface RecordObtainedDataCopy {
  type: 'RecordObtainedDataCopy';
  recordId: string;
  copy: ObtainedDataCopyInput;
}

export interface DiscloseObtainedData {
  type: 'DiscloseObtainedData';
  recordId: string;
  disclosureId: string;
  recipientKind: DisclosureRecipient;
  recipient: string;
  disclosedOn: IsoDate;
  legalBasis: string | null;
  /** True when reporting a disclosure already made: without a legal basis it is then recorded, flagged. */
  reportedBreach: boolean;
}

export interface EndObtainedDataUse {
  type: 'EndObtainedDataUse';
  recordId: string;
  endedOn: IsoDate;
  reason: UseEndReason;
  note: string | null;
  /** Configured deletion period in days (stricter than one month only); undefined: one calendar month. */
  deleteWithinDays?: number;
}

export interface DeleteObtainedData {
  type: 'DeleteObtainedData';
  recordId: string;
  deletionId: string;
  deletedOn: IsoDate;
  copyIds: string[];
  temporaryFilesCleared: boolean;
  method: DeletionMethod;
  performedBy: { unit: string; accountId: string | null };
  evidence: { reference: string; description: string };
}

export type ObtainedDataCommand = RecordObtainedData | RecordObtainedDataCopy | DiscloseObtainedData | EndObtainedDataUse | DeleteObtainedData;
