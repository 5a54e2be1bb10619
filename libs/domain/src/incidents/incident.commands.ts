import type { BliNoticeChannel, IncidentAction, IncidentConclusion } from './incident.events';

/** Acts take their time from the command's business time (`occurredAt`); the report's is its discovery. */
export interface ReportIncident {
  type: 'ReportIncident';
  incidentId: string;
  agencyCode: string;
  suspected: boolean;
  summary: string;
  registrationIds: string[];
  obtainedDataRecordIds: string[];
  /** Configured notice period in minutes (1–60, stricter only); undefined: 60. */
  noticeMinutes?: number;
}

export interface RecordIncidentAction {
  type: 'RecordIncidentAction';
  incidentId: string;
  action: IncidentAction;
  summary: string;
}

export interface NotifyBliOfIncident {
  type: 'NotifyBliOfIncident';
  incidentId: string;
  channel: BliNoticeChannel;
  reference: string | null;
  materialsProvided: string | null;
}

export interface CloseIncident {
  type: 'CloseIncident';
  incidentId: string;
  conclusion: IncidentConclusion;
  summary: string;
}

export type IncidentCommand = ReportIncident | RecordIncidentAction | NotifyBliOfIncident | CloseIncident;
