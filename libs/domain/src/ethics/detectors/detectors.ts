import { TAIPEI_OFFSET_MS } from '../../core/calendar';
import type { AnomalyKind, DetectionInput, Finding, Severity } from './anomaly.types';
import type { DetectorConfig, UnderCaseAssignment } from './detector-config';

/**
 * The 政風 rules (要點 八、九): each a pure function of one logged query and what the ledger knew
 * around it. A finding is a flag for investigation, never a verdict: 要點 八 qualifies every category
 * with 「非依機關分案規定」, so a query under the agency's case assignment is suppressed or qualified
 * (lower severity, UNDER_CASE_ASSIGNMENT), as each rule's settings say.
 */
export type Detector = (input: DetectionInput, config: DetectorConfig) => Finding | Finding[] | null;

const UNDER_ASSIGNMENT = 'UNDER_CASE_ASSIGNMENT';

export interface TaipeiClock {
  day: string;
  hhmm: string;
  hour: number;
  weekday: number;
}

// Several rules ask about the same query in turn: the last answer is kept (a pure function, so a memo is safe).
let lastInstant = '';
let lastClock: TaipeiClock = { day: '', hhmm: '', hour: 0, weekday: 0 };

const DAY_MS = 86_400_000;
// Every logged query asks for its clock: by arithmetic on the instant, with the day's and the minute's text kept, rather than a Date and its ISO text each time.
const dayTexts = new Map<number, string>();
const minuteTexts: string[] = Array.from({ length: 24 * 60 }, (_, m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);

/** The Taipei calendar day and wall-clock time of an instant, and its ISO weekday (1 = Monday). */
export function taipeiClock(instant: string): TaipeiClock {
  if (instant === lastInstant) return lastClock;
  const local = Date.parse(instant) + TAIPEI_OFFSET_MS;
  const dayNo = Math.floor(local / DAY_MS);
  let day = dayTexts.get(dayNo);
  if (day === undefined) {
    // An instant that does not parse throws here, as the Date it used to make did.
    day = new Date(dayNo * DAY_MS).toISOString().slice(0, 10);
    if (dayTexts.size >= 10_000) dayTexts.clear();
    dayTexts.set(dayNo, day);
  }
  const minute = Math.floor((local - dayNo * DAY_MS) / 60_000);
  // 1970-01-01 was a Thursday (4).
  const weekday = (((dayNo + 4) % 7) + 7) % 7 || 7;
  lastClock = { day, hhmm: minuteTexts[minute], hour: Math.floor(minute / 60), weekday };
  lastInstant = instant;
  return lastClock;
}

/** A subject rule under an assigned case: suppressed (no finding) or qualified (raised at LOW). */
function subjectFinding(
  input: DetectionInput,
  kind: AnomalyKind,
  severity: Severity,
  under: UnderCaseAssignment,
  detail: Finding['detail'],
): Finding | null {
  const { query } = input;
  if (input.assignedToCase && under === 'SUPPRESS') return null;
  return {
    kind,
    severity: input.assignedToCase ? 'LOW' : severity,
    group: `${kind}|${query.accountId}|${query.subjectPersonId}`,
    qualifiers: input.assignedToCase ? [UNDER_ASSIGNMENT] : [],
    detail: { ...detail, caseAssigned: input.assignedToCase },
  };
}

/** 要點 八 「查詢己身」: the subject is the querying account's holder. */
export const selfQuery: Detector = (input, config) => {
  const c = config.SELF_QUERY;
  if (!c.enabled || !input.account.holderPersonId || input.account.holderPersonId !== input.query.subjectPersonId) return null;
  return subjectFinding(input, 'SELF_QUERY', c.severity, c.underCaseAssignment, {});
};

/** 要點 八 「同僚」: the subject holds or held then an account, or was designated personnel, at the same agency. */
export const colleagueQuery: Detector = (input, config) => {
  const c = config.COLLEAGUE_QUERY;
  if (!c.enabled) return null;
  // The holder is their own colleague: that is SELF_QUERY, flagged once.
  if (input.account.holderPersonId !== null && input.account.holderPersonId === input.query.subjectPersonId) return null;
  const holds = input.subject.holdsAccountInAgency;
  const designated = c.includeDesignatedPersonnel && input.subject.designatedInAgency;
  if (!holds && !designated) return null;
  return subjectFinding(input, 'COLLEAGUE_QUERY', c.severity, c.underCaseAssignment, { holdsAccount: holds, designatedPersonnel: designated });
};

/** 要點 八 「親屬、主管」: the subject is on the relations list 政風 keeps for the holder. */
export const declaredRelation: Detector = (input, config) => {
  const c = config.DECLARED_RELATION;
  if (!c.enabled || input.subject.declaredRelation === null) return null;
  return subjectFinding(input, 'DECLARED_RELATION', c.severity, c.underCaseAssignment, { relation: input.subject.declaredRelation });
};

/** Outside office hours (Asia/Taipei), on a non-working weekday or a holiday, unless a make-up workday. */
export const offHours: Detector = (input, config) => {
  const c = config.OFF_HOURS;
  if (!c.enabled) return null;
  const t = taipeiClock(input.query.queriedAt);
  const holiday = c.calendar.holidays.has(t.day);
  const workingDay = c.calendar.workdays.has(t.day) || (!holiday && c.workingDays.includes(t.weekday));
  const withinHours = t.hhmm >= c.officeHours.start && t.hhmm < c.officeHours.end;
  if (workingDay && withinHours) return null;
  return {
    kind: 'OFF_HOURS',
    severity: c.severity,
    // One anomaly per account and Taipei day: a late evening's queries are one thing to look at.
    group: `OFF_HOURS|${input.query.accountId}|${t.day}`,
    qualifiers: [],
    detail: { taipeiDay: t.day, taipeiTime: t.hhmm, weekday: t.weekday, holiday, workingDay },
  };
};

/** More queries by one account than the hourly or the daily threshold; raised once per hour or day, later queries join it. */
export const bulk: Detector = (input, config) => {
  const c = config.BULK;
  if (!c.enabled) return null;
  const t = taipeiClock(input.query.queriedAt);
  const findings: Finding[] = [];
  const { queriesThisHour, queriesThisDay } = input.activity;
  if (queriesThisHour > c.perHour) {
    findings.push({
      kind: 'BULK', severity: c.severity, variant: 'HOUR', group: `BULK|HOUR|${input.query.accountId}|${t.day}T${String(t.hour).padStart(2, '0')}`,
      qualifiers: [], detail: { period: 'HOUR', threshold: c.perHour, count: queriesThisHour, taipeiDay: t.day, taipeiHour: t.hour },
    });
  }
  if (queriesThisDay > c.perDay) {
    findings.push({
      kind: 'BULK', severity: c.severity, variant: 'DAY', group: `BULK|DAY|${input.query.accountId}|${t.day}`,
      qualifiers: [], detail: { period: 'DAY', threshold: c.perDay, count: queriesThisDay, taipeiDay: t.day },
    });
  }
  return findings;
};

/**
 * The same subject by one account under several case numbers not assigned to it, or again and again
 * without a case number, within the window. Assigned cases are the agency's own work (要點 八) and
 * do not count.
 */
export const repeatedSubject: Detector = (input, config) => {
  const c = config.REPEATED_SUBJECT;
  if (!c.enabled) return null;
  // Most queries are about someone not asked about before: the query alone reaches no threshold above 1.
  if (input.activity.earlierAboutSubject.length === 0 && (input.query.caseNumber === null ? c.withoutCase > 1 : input.assignedToCase || c.distinctCases > 1)) return null;
  const since = Date.parse(input.query.queriedAt) - c.windowDays * 86_400_000;
  const within = input.activity.earlierAboutSubject.filter((q) => Date.parse(q.queriedAt) >= since);
  const all = [...within, { queriedAt: input.query.queriedAt, caseNumber: input.query.caseNumber, assigned: input.assignedToCase }];
  const unassignedCases = new Set(all.filter((q) => q.caseNumber !== null && !q.assigned).map((q) => q.caseNumber));
  const withoutCase = all.filter((q) => q.caseNumber === null).length;
  const current = input.query.caseNumber === null ? withoutCase >= c.withoutCase : !input.assignedToCase && unassignedCases.size >= c.distinctCases;
  if (!current) return null;
  return {
    kind: 'REPEATED_SUBJECT',
    severity: c.severity,
    group: `REPEATED_SUBJECT|${input.query.accountId}|${input.query.subjectPersonId}`,
    qualifiers: [],
    detail: { windowDays: c.windowDays, unassignedCaseNumbers: unassignedCases.size, withoutCase, queriesInWindow: all.length },
  };
};

/** 要點 六: logged while the account was disabled or deleted (or before it existed). */
export const queryWhileInactive: Detector = (input, config) => {
  const c = config.QUERY_WHILE_INACTIVE;
  if (!c.enabled || input.account.status === 'ACTIVE') return null;
  return {
    kind: 'QUERY_WHILE_INACTIVE',
    severity: c.severity,
    group: `QUERY_WHILE_INACTIVE|${input.query.accountId}|${taipeiClock(input.query.queriedAt).day}`,
    qualifiers: [],
    detail: { accountStatus: input.account.status },
  };
};

/** 要點 九(三): an operation code the account did not hold at the query time. */
export const itemNotGranted: Detector = (input, config) => {
  const c = config.ITEM_NOT_GRANTED;
  // An account that was not active is QUERY_WHILE_INACTIVE; its items say nothing more.
  if (!c.enabled || input.account.status !== 'ACTIVE' || input.account.queryItems.includes(input.query.operationCode)) return null;
  return {
    kind: 'ITEM_NOT_GRANTED',
    severity: c.severity,
    group: `ITEM_NOT_GRANTED|${input.query.accountId}|${input.query.operationCode}|${taipeiClock(input.query.queriedAt).day}`,
    qualifiers: [],
    detail: { operationCode: input.query.operationCode },
  };
};

/** 要點 十二(六): logged while BLI had suspended or terminated its service to the agency. */
export const queryDuringSuspension: Detector = (input, config) => {
  const c = config.QUERY_DURING_SUSPENSION;
  if (!c.enabled || input.serviceStatus === 'ACTIVE') return null;
  return {
    kind: 'QUERY_DURING_SUSPENSION',
    severity: c.severity,
    group: `QUERY_DURING_SUSPENSION|${input.query.accountId}|${taipeiClock(input.query.queriedAt).day}`,
    qualifiers: [],
    detail: { serviceStatus: input.serviceStatus },
  };
};

/** Every rule that judges a logged query by itself; UNREGISTERED_QUERY comes from the log's reconciliation instead. */
export const QUERY_DETECTORS: readonly Detector[] = [selfQuery, colleagueQuery, declaredRelation, offHours, bulk, repeatedSubject, queryWhileInactive, itemNotGranted, queryDuringSuspension];

export function detectQuery(input: DetectionInput, config: DetectorConfig): Finding[] {
  const findings: Finding[] = [];
  for (const detector of QUERY_DETECTORS) {
    const found = detector(input, config);
    if (found === null) continue;
    if (Array.isArray(found)) findings.push(...found);
    else findings.push(found);
  }
  return findings;
}

/**
 * 要點 九(一): a logged query the log's reconciliation found no registration for. The reconciliation
 * decides; this only turns its finding into a flag with the rule's severity and version.
 */
export function unregisteredQuery(query: Pick<DetectionInput['query'], 'accountId' | 'queriedAt' | 'operationCode'>, config: DetectorConfig, ref: string): Finding | null {
  const c = config.UNREGISTERED_QUERY;
  if (!c.enabled) return null;
  return { kind: 'UNREGISTERED_QUERY', severity: c.severity, group: `UNREGISTERED_QUERY|${ref}`, qualifiers: [], detail: { operationCode: query.operationCode, loggedQuery: ref } };
}
