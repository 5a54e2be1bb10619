import type { DomainEvent } from '../core/decider';
import { streamIdOf } from '../core/stream-id';

/** 要點 十二(十): what the agency does about an incident, besides notifying BLI. */
export const INCIDENT_ACTIONS = ['EMERGENCY_RESPONSE', 'INVESTIGATION', 'RESPONSIBILITY', 'CONTAINMENT'] as const;
export type IncidentAction = (typeof INCIDENT_ACTIONS)[number];
export const BLI_NOTICE_CHANNELS = ['PHONE', 'EMAIL', 'LETTER', 'SYSTEM'] as const;
export type BliNoticeChannel = (typeof BLI_NOTICE_CHANNELS)[number];
/** A suspected incident may turn out to be none; a confirmed one needs every step before it closes. */
export const INCIDENT_CONCLUSIONS = ['CONFIRMED', 'NOT_AN_INCIDENT'] as const;
export type IncidentConclusion = (typeof INCIDENT_CONCLUSIONS)[number];

/** 要點 十二(十): a security incident, or a suspected one, involving personal data obtained from BLI. */
export type IncidentReported = DomainEvent<
  'IncidentReported',
  {
    incidentId: string;
    agencyCode: string;
    /** UTC instant the incident (or its suspicion) was discovered: also the event's business time. */
    discoveredAt: string;
    suspected: boolean;
    summary: string;
    /** The query registrations or obtained data concerned, by id only. */
    registrationIds: string[];
    obtainedDataRecordIds: string[];
    /** 即時: BLI is to be notified by this UTC instant, decided here once (要點 十二(十); an hour by default, a project interpretation). */
    duty: { kind: 'NOTIFY_BLI_OF_INCIDENT'; rule: string; dueAt: string };
  }
>;

export type IncidentActionRecorded = DomainEvent<
  'IncidentActionRecorded',
  { incidentId: string; agencyCode: string; action: IncidentAction; takenAt: string; summary: string }
>;

export type BliNotifiedOfIncident = DomainEvent<
  'BliNotifiedOfIncident',
  {
    incidentId: string;
    agencyCode: string;
    /** The notice's business time. A later notice provides further materials; only the first meets the duty. */
    notifiedAt: string;
    channel: BliNoticeChannel;
    reference: string | null;
    /** 要點 十二(十): the materials provided with it (investigation, responsibility, containment), described. */
    materialsProvided: string | null;
    onTime: boolean;
    meetsDuty: 'NOTIFY_BLI_OF_INCIDENT' | null;
  }
>;

export type IncidentClosed = DomainEvent<
  'IncidentClosed',
  { incidentId: string; agencyCode: string; closedAt: string; conclusion: IncidentConclusion; summary: string }
>;

export type IncidentEvent = IncidentReported | IncidentActionRecorded | BliNotifiedOfIncident | IncidentClosed;

/** One stream per incident: a handful of events, never growing without bound. */
export const incidentStreamId = (incidentId: string) => streamIdOf('incident', incidentId);
