import { addDays, taipeiDateOf } from '../core/calendar';
import { ValidationError } from '../core/domain-error';
import type { ReconciliationWindow } from './query-log.events';

/**
 * Reconciliation of registrations (查詢資料登記表, 要點 九(一)) with the WebIR log (要點 九(二)).
 *
 * A logged query is *registered* when at least one registration has the same agency, account,
 * operation code, subject (person id) and case number, planned on the Taipei day of the query or up
 * to `window.days − 1` days before it. A registration is *performed* when at least one logged query
 * matches it. Matching is by existence, not one-to-one: WebIR logs every lookup, and a lookup
 * repeated under one registered case on the same day is the query that was registered; pairing
 * one-to-one would make the outcome depend on which file was imported first. The repeats stay
 * visible (`loggedMoreThanOnce`, `severalRegistrations`). The same query in two files (the same
 * key and instant) counts once. So the result is a function of the set of registrations and logged
 * queries only: re-importing a file or importing months out of order gives the same result.
 */

export const DEFAULT_RECONCILIATION_WINDOW: ReconciliationWindow = { days: 1 };
export const MAX_WINDOW_DAYS = 31;

export function assertWindow(window: ReconciliationWindow): void {
  if (!Number.isInteger(window?.days) || window.days < 1 || window.days > MAX_WINDOW_DAYS) {
    throw new ValidationError('window.days', `must be a whole number of Taipei days from 1 (the same day) to ${MAX_WINDOW_DAYS}`);
  }
}

export interface MatchKeyFields {
  agencyCode: string;
  accountId: string;
  operationCode: string;
  personId: string;
  caseNumber: string;
}

/** The fields a registration and a logged query must share; NUL cannot occur in any of them. */
export const matchKeyOf = (f: MatchKeyFields) => [f.agencyCode, f.accountId, f.operationCode, f.personId, f.caseNumber].join('\u0000');

/** Whether a query logged at `loggedAt` falls in the window of a registration planned at `plannedAt`. */
export function withinWindow(plannedAt: string, loggedAt: string, window: ReconciliationWindow = DEFAULT_RECONCILIATION_WINDOW): boolean {
  const planned = taipeiDateOf(plannedAt);
  const logged = taipeiDateOf(loggedAt);
  return logged >= planned && logged <= addDays(planned, window.days - 1);
}

export interface RegistrationToMatch extends MatchKeyFields {
  registrationId: string;
  plannedAt: string;
}

export interface LoggedToMatch extends MatchKeyFields {
  importId: string;
  lineNo: number;
  loggedAt: string;
}

export interface MonthReconciliation {
  agencyCode: string;
  /** YYYY-MM, Asia/Taipei. */
  month: string;
  registered: number;
  performed: number;
  notPerformed: number;
  /** Distinct logged queries (the same query in two files once). */
  logged: number;
  matched: number;
  unregistered: number;
  loggedMoreThanOnce: number;
  severalRegistrations: number;
}

export interface Reconciliation {
  months: MonthReconciliation[];
  /** `<importId>.<lineNo>` of each distinct logged query without a registration. */
  unregistered: string[];
  /** Registrations never logged: reported as not performed. */
  notPerformed: string[];
}

const monthOf = (instant: string) => taipeiDateOf(instant).slice(0, 7);
const refOf = (l: LoggedToMatch) => `${l.importId}.${l.lineNo}`;

/** The whole reconciliation as a pure function of the two sets (the reference the read model is tested against). */
export function reconcile(registrations: readonly RegistrationToMatch[], logged: readonly LoggedToMatch[], window: ReconciliationWindow = DEFAULT_RECONCILIATION_WINDOW): Reconciliation {
  assertWindow(window);
  const byKey = new Map<string, RegistrationToMatch[]>();
  for (const r of registrations) {
    const k = matchKeyOf(r);
    byKey.set(k, [...(byKey.get(k) ?? []), r]);
  }
  // The same query in two files: keep the one with the smallest reference, whatever came first.
  const distinct = new Map<string, LoggedToMatch>();
  for (const l of logged) {
    const k = `${matchKeyOf(l)}\u0000${l.loggedAt}`;
    const prior = distinct.get(k);
    if (!prior || compareRefs(l, prior) < 0) distinct.set(k, l);
  }
  const months = new Map<string, MonthReconciliation>();
  const month = (agencyCode: string, m: string) => {
    const id = `${agencyCode}\u0000${m}`;
    let s = months.get(id);
    if (!s) {
      s = { agencyCode, month: m, registered: 0, performed: 0, notPerformed: 0, logged: 0, matched: 0, unregistered: 0, loggedMoreThanOnce: 0, severalRegistrations: 0 };
      months.set(id, s);
    }
    return s;
  };
  const hits = new Map<string, number>();
  const unregistered: string[] = [];
  for (const l of distinct.values()) {
    const s = month(l.agencyCode, monthOf(l.loggedAt));
    s.logged++;
    const matching = (byKey.get(matchKeyOf(l)) ?? []).filter((r) => withinWindow(r.plannedAt, l.loggedAt, window));
    if (matching.length === 0) {
      s.unregistered++;
      unregistered.push(refOf(l));
      continue;
    }
    s.matched++;
    if (matching.length > 1) s.severalRegistrations++;
    for (const r of matching) hits.set(r.registrationId, (hits.get(r.registrationId) ?? 0) + 1);
  }
  const notPerformed: string[] = [];
  for (const r of registrations) {
    const s = month(r.agencyCode, monthOf(r.plannedAt));
    s.registered++;
    const n = hits.get(r.registrationId) ?? 0;
    if (n === 0) {
      s.notPerformed++;
      notPerformed.push(r.registrationId);
    } else {
      s.performed++;
      if (n > 1) s.loggedMoreThanOnce++;
    }
  }
  return {
    months: [...months.values()].sort((a, b) => (a.agencyCode + a.month).localeCompare(b.agencyCode + b.month)),
    unregistered: unregistered.sort(),
    notPerformed: notPerformed.sort(),
  };
}

function compareRefs(a: LoggedToMatch, b: LoggedToMatch): number {
  return a.importId < b.importId ? -1 : a.importId > b.importId ? 1 : a.lineNo - b.lineNo;
}
