import type { IsoDate } from '../core/calendar';
import type { AgencyRole, PersonnelRole } from './agency.events';

export interface RegisterAgency {
  type: 'RegisterAgency';
  agencyCode: string;
  name: string;
  role: AgencyRole;
}

export interface ApproveAgencyForWebIR {
  type: 'ApproveAgencyForWebIR';
  agencyCode: string;
  /** The competent authority's letter or decision number. */
  reference?: string;
}

export interface DesignateAgencyPersonnel {
  type: 'DesignateAgencyPersonnel';
  agencyCode: string;
  personnelRole: PersonnelRole;
  /** Opaque person id; names and national IDs stay in the personal-data store. */
  personId: string;
  effectiveDate: IsoDate;
  /** Days to notify BLI as configured; may only be stricter than 要點 七's seven, a looser value is refused. */
  bliNoticeDays?: number;
}

export interface RecordBliNotifiedOfPersonnelChange {
  type: 'RecordBliNotifiedOfPersonnelChange';
  agencyCode: string;
  changeNo: number;
  reference?: string;
}

export interface RecordDedicatedStaffTraining {
  type: 'RecordDedicatedStaffTraining';
  agencyCode: string;
  personId: string;
  completedOn: IsoDate;
  course: string;
}

export type AgencyCommand =
  | RegisterAgency
  | ApproveAgencyForWebIR
  | DesignateAgencyPersonnel
  | RecordBliNotifiedOfPersonnelChange
  | RecordDedicatedStaffTraining;
