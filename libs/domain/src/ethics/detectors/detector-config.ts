import { ValidationError } from '../../core/domain-error';
import { ANOMALY_KINDS, AnomalyKind, SEVERITIES, Severity } from './anomaly.types';
import { calendarText, EMPTY_CALENDAR, HolidayCalendar } from './holiday-calendar';

/**
 * Each rule's settings. The defaults are this project's, not the 要點's (which names no threshold):
 * an agency tunes them in a JSON file (LEDGER_ETHICS_DETECTORS) and rebuilds the anomalies read model.
 */
export type UnderCaseAssignment = 'QUALIFY' | 'SUPPRESS';

interface Common {
  enabled: boolean;
  severity: Severity;
}
export interface DetectorConfig {
  SELF_QUERY: Common & { underCaseAssignment: UnderCaseAssignment };
  COLLEAGUE_QUERY: Common & { underCaseAssignment: UnderCaseAssignment; includeDesignatedPersonnel: boolean };
  DECLARED_RELATION: Common & { underCaseAssignment: UnderCaseAssignment };
  /** Asia/Taipei wall-clock hours `HH:MM`–`HH:MM` on working days (1 = Monday … 7 = Sunday), minus holidays, plus make-up workdays. */
  OFF_HOURS: Common & { officeHours: { start: string; end: string }; workingDays: number[]; calendar: HolidayCalendar };
  BULK: Common & { perHour: number; perDay: number };
  /** Within `windowDays`: `distinctCases` or more case numbers not assigned to the account, or `withoutCase` or more queries without a case number. */
  REPEATED_SUBJECT: Common & { windowDays: number; distinctCases: number; withoutCase: number };
  UNREGISTERED_QUERY: Common;
  QUERY_WHILE_INACTIVE: Common;
  ITEM_NOT_GRANTED: Common;
  QUERY_DURING_SUSPENSION: Common;
}

/** Bumped when a rule's logic changes; with the digest of its settings it is the version each anomaly records. */
export const RULE_VERSIONS: Readonly<Record<AnomalyKind, number>> = {
  SELF_QUERY: 1,
  COLLEAGUE_QUERY: 1,
  DECLARED_RELATION: 1,
  OFF_HOURS: 1,
  BULK: 1,
  REPEATED_SUBJECT: 1,
  UNREGISTERED_QUERY: 1,
  QUERY_WHILE_INACTIVE: 1,
  ITEM_NOT_GRANTED: 1,
  QUERY_DURING_SUSPENSION: 1,
};

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  SELF_QUERY: { enabled: true, severity: 'HIGH', underCaseAssignment: 'QUALIFY' },
  COLLEAGUE_QUERY: { enabled: true, severity: 'MEDIUM', underCaseAssignment: 'SUPPRESS', includeDesignatedPersonnel: true },
  DECLARED_RELATION: { enabled: true, severity: 'HIGH', underCaseAssignment: 'QUALIFY' },
  OFF_HOURS: { enabled: true, severity: 'LOW', officeHours: { start: '07:30', end: '19:00' }, workingDays: [1, 2, 3, 4, 5], calendar: EMPTY_CALENDAR },
  BULK: { enabled: true, severity: 'MEDIUM', perHour: 60, perDay: 300 },
  REPEATED_SUBJECT: { enabled: true, severity: 'MEDIUM', windowDays: 30, distinctCases: 3, withoutCase: 3 },
  UNREGISTERED_QUERY: { enabled: true, severity: 'HIGH' },
  QUERY_WHILE_INACTIVE: { enabled: true, severity: 'HIGH' },
  ITEM_NOT_GRANTED: { enabled: true, severity: 'HIGH' },
  QUERY_DURING_SUSPENSION: { enabled: true, severity: 'HIGH' },
};

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The JSON file's settings over the defaults: every key optional, every value checked, an unknown
 * key refused (a misspelt threshold would otherwise be silently ignored). Errors name the key path.
 */
export function detectorConfigFrom(json: unknown, calendar: HolidayCalendar = EMPTY_CALENDAR): DetectorConfig {
  if (json === undefined || json === null) json = {};
  if (!isObject(json)) throw new ValidationError('detectors', 'must be a JSON object keyed by anomaly kind');
  const config = structuredCloneConfig(DEFAULT_DETECTOR_CONFIG);
  config.OFF_HOURS.calendar = calendar;
  for (const [kind, settings] of Object.entries(json)) {
    if (!(ANOMALY_KINDS as readonly string[]).includes(kind)) throw new ValidationError(kind, `is not an anomaly kind (${ANOMALY_KINDS.join(', ')})`);
    if (!isObject(settings)) throw new ValidationError(kind, 'must be an object');
    const target = config[kind as AnomalyKind] as unknown as Json;
    for (const [key, value] of Object.entries(settings)) {
      const path = `${kind}.${key}`;
      if (key === 'calendar' || !(key in target)) throw new ValidationError(path, 'is not a setting of this rule');
      target[key] = checked(path, key, value, target[key]);
    }
  }
  const off = config.OFF_HOURS.officeHours;
  if (off.start >= off.end) throw new ValidationError('OFF_HOURS.officeHours', 'start must be before end');
  return config;
}

function checked(path: string, key: string, value: unknown, current: unknown): unknown {
  switch (key) {
    case 'enabled':
    case 'includeDesignatedPersonnel':
      if (typeof value !== 'boolean') throw new ValidationError(path, 'must be true or false');
      return value;
    case 'severity':
      if (!(SEVERITIES as readonly unknown[]).includes(value)) throw new ValidationError(path, `must be one of ${SEVERITIES.join(', ')}`);
      return value;
    case 'underCaseAssignment':
      if (value !== 'QUALIFY' && value !== 'SUPPRESS') throw new ValidationError(path, 'must be QUALIFY or SUPPRESS');
      return value;
    case 'officeHours':
      if (!isObject(value) || !HHMM.test(String(value.start)) || !HHMM.test(String(value.end)) || Object.keys(value).length !== 2) {
        throw new ValidationError(path, 'must be { "start": "HH:MM", "end": "HH:MM" } in Asia/Taipei time');
      }
      return { start: value.start, end: value.end };
    case 'workingDays':
      if (!Array.isArray(value) || value.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) throw new ValidationError(path, 'must list ISO weekdays 1 (Monday) – 7 (Sunday)');
      return [...new Set(value as number[])].sort();
    default:
      if (typeof current === 'number') {
        if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 1_000_000) throw new ValidationError(path, 'must be an integer 1–1000000');
        return value;
      }
      throw new ValidationError(path, 'is not a setting of this rule');
  }
}

function structuredCloneConfig(c: DetectorConfig): DetectorConfig {
  // The calendar holds Sets, which JSON cannot copy; the caller sets it.
  return JSON.parse(JSON.stringify({ ...c, OFF_HOURS: { ...c.OFF_HOURS, calendar: null } })) as DetectorConfig;
}

/** FNV-1a, 32 bits: the domain has no crypto, and a digest that only tells settings apart needs none. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const stable = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(stable).join(',')}]`
    : isObject(value)
      ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stable(value[k])}`).join(',')}}`
      : JSON.stringify(value);

/** `<rule version>.<digest of its settings>`, e.g. `1.5c0e9a31`: recorded in each anomaly it raises. */
export function detectorVersions(config: DetectorConfig): Readonly<Record<AnomalyKind, string>> {
  return Object.fromEntries(
    ANOMALY_KINDS.map((kind) => {
      const settings = kind === 'OFF_HOURS' ? { ...config.OFF_HOURS, calendar: calendarText(config.OFF_HOURS.calendar) } : config[kind];
      return [kind, `${RULE_VERSIONS[kind]}.${fnv1a(stable(settings))}`];
    }),
  ) as Record<AnomalyKind, string>;
}
