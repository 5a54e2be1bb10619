import type { Decider } from '../core/decider';
import { NotFoundError, ValidationError } from '../core/domain-error';
import { isBlank, optionalText, refuse, requireOneOf } from '../core/guards';
import { assertIdSegment } from '../core/stream-id';
import type { IncidentCommand } from './incident.commands';
import {
  BLI_NOTICE_CHANNELS,
  INCIDENT_ACTIONS,
  INCIDENT_CONCLUSIONS,
  IncidentAction,
  IncidentEvent,
  IncidentReported,
  incidentStreamId,
} from './incident.events';

export const INCIDENT_RULE = '要點 十二(十)';
/** 即時 read as within the hour: the project's interpretation; configuration may only shorten it. */
export const MAX_INCIDENT_NOTICE_MINUTES = 60;

export interface IncidentRecord extends Omit<IncidentReported['data'], 'duty'> {
  dueAt: string;
  actions: IncidentAction[];
  firstNotifiedAt: string | null;
  closed: { closedAt: string; conclusion: string } | null;
}
export type IncidentState = { status: 'NONE' } | (IncidentRecord & { status: 'OPEN' | 'CLOSED' });

const MAX_TEXT = 2000;
const MAX_IDS = 1000;

/** 要點 十二(十) 即時: the instant BLI must be notified by, from the discovery. */
export function incidentNoticeDueAt(discoveredAt: Date, noticeMinutes: number = MAX_INCIDENT_NOTICE_MINUTES): string {
  if (!Number.isInteger(noticeMinutes) || noticeMinutes < 1 || noticeMinutes > MAX_INCIDENT_NOTICE_MINUTES) {
    throw new ValidationError('noticeMinutes', `must be 1–${MAX_INCIDENT_NOTICE_MINUTES}: 即時 (要點 十二(十)) may be configured stricter, never looser`);
  }
  return new Date(discoveredAt.getTime() + noticeMinutes * 60_000).toISOString();
}

/** What a confirmed incident needs before it closes; a suspicion that proved none needs its investigation. */
export function missingBeforeClose(state: IncidentRecord, conclusion: (typeof INCIDENT_CONCLUSIONS)[number]): string[] {
  const needed: readonly IncidentAction[] = conclusion === 'CONFIRMED' ? INCIDENT_ACTIONS : ['INVESTIGATION'];
  const missing: string[] = needed.filter((a) => !state.actions.includes(a));
  if (state.firstNotifiedAt === null) missing.push('BLI_NOTIFICATION');
  return missing;
}

export const incidentDecider: Decider<IncidentCommand, IncidentEvent, IncidentState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    if (event.type === 'IncidentReported') {
      const { duty, ...rest } = event.data;
      return { status: 'OPEN', ...rest, dueAt: duty.dueAt, actions: [], firstNotifiedAt: null, closed: null };
    }
    if (state.status === 'NONE') return state;
    switch (event.type) {
      case 'IncidentActionRecorded':
        return state.actions.includes(event.data.action) ? state : { ...state, actions: [...state.actions, event.data.action] };
      case 'BliNotifiedOfIncident':
        return { ...state, firstNotifiedAt: state.firstNotifiedAt ?? event.data.notifiedAt };
      case 'IncidentClosed':
        return { ...state, status: 'CLOSED', closed: { closedAt: event.data.closedAt, conclusion: event.data.conclusion } };
      default:
        return state;
    }
  },

  decide(command, state, context) {
    const at = context.occurredAt.toISOString();
    if (command.type === 'ReportIncident') {
      incidentStreamId(command.incidentId);
      assertIdSegment(command.agencyCode, 'agencyCode');
      if (state.status !== 'NONE') refuse('INCIDENT_ALREADY_REPORTED', INCIDENT_RULE, `incident ${command.incidentId} is already reported`);
      if (typeof command.suspected !== 'boolean') throw new ValidationError('suspected', 'must be true (a suspected incident) or false');
      return [
        {
          type: 'IncidentReported',
          data: {
            incidentId: command.incidentId,
            agencyCode: command.agencyCode,
            discoveredAt: at,
            suspected: command.suspected,
            summary: text(command.summary, 'summary'),
            registrationIds: ids(command.registrationIds, 'registrationIds'),
            obtainedDataRecordIds: ids(command.obtainedDataRecordIds, 'obtainedDataRecordIds'),
            duty: { kind: 'NOTIFY_BLI_OF_INCIDENT', rule: INCIDENT_RULE, dueAt: incidentNoticeDueAt(context.occurredAt, command.noticeMinutes) },
          },
        },
      ];
    }

    if (state.status === 'NONE') throw new NotFoundError('incident', command.incidentId);
    if (state.status === 'CLOSED') refuse('INCIDENT_CLOSED', INCIDENT_RULE, 'the incident is closed');
    const { incidentId, agencyCode } = state;

    switch (command.type) {
      case 'RecordIncidentAction':
        return [{ type: 'IncidentActionRecorded', data: { incidentId, agencyCode, action: requireOneOf(command.action, INCIDENT_ACTIONS, 'action'), takenAt: at, summary: text(command.summary, 'summary') } }];

      case 'NotifyBliOfIncident': {
        const first = state.firstNotifiedAt === null;
        return [
          {
            type: 'BliNotifiedOfIncident',
            data: {
              incidentId,
              agencyCode,
              notifiedAt: at,
              channel: requireOneOf(command.channel, BLI_NOTICE_CHANNELS, 'channel'),
              reference: optional(command.reference, 'reference'),
              materialsProvided: optional(command.materialsProvided, 'materialsProvided'),
              onTime: (state.firstNotifiedAt ?? at) <= state.dueAt,
              meetsDuty: first ? 'NOTIFY_BLI_OF_INCIDENT' : null,
            },
          },
        ];
      }

      case 'CloseIncident': {
        const conclusion = requireOneOf(command.conclusion, INCIDENT_CONCLUSIONS, 'conclusion');
        // 要點 十二(十): emergency response, investigation, responsibility, containment, and BLI notified.
        const missing = missingBeforeClose(state, conclusion);
        if (missing.length > 0) refuse('INCIDENT_NOT_READY_TO_CLOSE', INCIDENT_RULE, `still to record: ${missing.join(', ')}`, { missing });
        return [{ type: 'IncidentClosed', data: { incidentId, agencyCode, closedAt: at, conclusion, summary: text(command.summary, 'summary') } }];
      }
    }
  },
};

function text(value: unknown, field: string): string {
  if (isBlank(value)) throw new ValidationError(field, 'is required');
  const t = (value as string).trim();
  if ([...t].length > MAX_TEXT) throw new ValidationError(field, `must be at most ${MAX_TEXT} characters`);
  return t;
}

function optional(value: unknown, field: string): string | null {
  const t = optionalText(value);
  if (t !== null && [...t].length > MAX_TEXT) throw new ValidationError(field, `must be at most ${MAX_TEXT} characters`);
  return t;
}

function ids(values: unknown, field: string): string[] {
  if (values === undefined || values === null) return [];
  if (!Array.isArray(values) || values.length > MAX_IDS) throw new ValidationError(field, `must list at most ${MAX_IDS} ids`);
  values.forEach((v, i) => assertIdSegment(v, `${field}.${i}`));
  return [...new Set(values as string[])];
}
