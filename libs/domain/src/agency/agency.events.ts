import type { IsoDate } from '../core/calendar';
import type { DomainEvent } from '../core/decider';
import type { Duty } from '../core/duty';
import { assertIdSegment, streamIdOf } from '../core/stream-id';

/** 要點 二: the three kinds of agency. */
export const AGENCY_ROLES = ['CENTRAL_ADMIN', 'COMPETENT_AUTHORITY', 'DATA_REQUESTER'] as const;
export type AgencyRole = (typeof AGENCY_ROLES)[number];

/** 要點 七、十(一): the people an agency designates for WebIR matters. */
export const PERSONNEL_ROLES = ['CONTACT_WINDOW', 'DEDICATED_STAFF', 'UNIT_HEAD'] as const;
export type PersonnelRole = (typeof PERSONNEL_ROLES)[number];

export type AgencyRegistered = DomainEvent<
  'AgencyRegistered',
  { agencyCode: string; name: string; role: AgencyRole }
>;

/** 要點 二(三): the competent authority agreed that this data-requester agency may use WebIR. */
export type AgencyApprovedForWebIR = DomainEvent<'AgencyApprovedForWebIR', { agencyCode: string; reference: string | null }>;

/**
 * `changeNo` numbers designations within the agency so a BLI notice can name the one it reports.
 * `duty` is present only when a central admin's designee is replaced (要點 七).
 */
export type AgencyPersonnelDesignated = DomainEvent<
  'AgencyPersonnelDesignated',
  {
    agencyCode: string;
    changeNo: number;
    personnelRole: PersonnelRole;
    personId: string;
    previousPersonId: string | null;
    effectiveDate: IsoDate;
    duty?: Duty;
  }
>;

export type BliNotifiedOfPersonnelChange = DomainEvent<
  'BliNotifiedOfPersonnelChange',
  { agencyCode: string; changeNo: number; notifiedOn: IsoDate; onTime: boolean; reference: string | null }
>;

/** 要點 十(二): security training completed by the agency's dedicated staff. */
export type DedicatedStaffTrainingRecorded = DomainEvent<
  'DedicatedStaffTrainingRecorded',
  { agencyCode: string; personId: string; completedOn: IsoDate; course: string }
>;

export type AgencyEvent =
  | AgencyRegistered
  | AgencyApprovedForWebIR
  | AgencyPersonnelDesignated
  | BliNotifiedOfPersonnelChange
  | DedicatedStaffTrainingRecorded;

export const agencyStreamId = (agencyCode: string) => {
  assertIdSegment(agencyCode, 'agencyCode');
  return streamIdOf('agency', agencyCode);
};
