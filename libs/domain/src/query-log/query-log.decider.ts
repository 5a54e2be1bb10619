import type { AccountState } from '../account/account.state';
import { addDays, taipeiDateOf } from '../core/calendar';
import type { Decider } from '../core/decider';
import { ValidationError } from '../core/domain-error';
import { refuse, requireText } from '../core/guards';
import { isIdSegment } from '../core/stream-id';
import {
  EXPLAIN_UNREGISTERED_RULE,
  ExplainUnregisteredDuty,
  QUERY_LOG_CHUNK_LINES,
  QUERY_LOG_ENCODINGS,
  QUERY_LOG_LAYOUT,
  QUERY_LOG_MAX_CHUNK_LINES,
  QUERY_LOG_RULE,
  QueryLogEvent,
  QueryLogFile,
  QueryLogImportStarted,
  queryLogImportId,
  UnregisteredQueryEvent,
  UnregisteredQueryExplained,
} from './query-log.events';
import { isLogPeriod } from './query-log.layout';
import { MatchKeyFields, matchKeyOf, withinWindow } from './query-log.reconciliation';
import type { ReconciliationWindow } from './query-log.events';

/** 要點 九(一) project default: a logged query with no registration is explained within 14 days. */
export const DEFAULT_EXPLAIN_UNREGISTERED_DAYS = 14;

export type QueryLogState =
  | { status: 'NONE' }
  | {
      status: 'IMPORTING' | 'COMPLETED' | 'RECONCILED';
      importId: string;
      agencyCode: string;
      period: string;
      sha256: string;
      /** Events in the stream: a resumed import skips this many of the ones it would write. */
      events: number;
      /** Lines per chunk as recorded at the start: a resumed import cuts the file the same way. */
      chunkLines: number;
      unregisteredChunks: number;
      /** Line of the last query listed as unregistered: a resumed reconciliation goes on after it. */
      lastUnregisteredLineNo: number;
    };

export interface StartQueryLogImport {
  type: 'StartQueryLogImport';
  agencyCode: string;
  period: string;
  file: QueryLogFile;
  lineCount: number;
  acceptedCount: number;
  rejectedCount: number;
  /** Lines per chunk event (default QUERY_LOG_CHUNK_LINES), 1 to QUERY_LOG_MAX_CHUNK_LINES. */
  chunkLines?: number;
  /** The administrator account named as the downloader, with its state now; absent when none is named. */
  downloadedBy?: { accountId: string; account: AccountState };
}

export type QueryLogCommand = StartQueryLogImport;

/**
 * The import stream's one decision: a file is started once. The same file again (same agency and
 * digest, so the same stream) is no new import: nothing is appended and the importer resumes or
 * reports the import already recorded. The same bytes declared for another month are refused.
 */
export const queryLogDecider: Decider<QueryLogCommand, QueryLogEvent, QueryLogState> = {
  initialState: () => ({ status: 'NONE' }),
  evolve(state, event) {
    if (event.type === 'QueryLogImportStarted') {
      const d = event.data;
      return { status: 'IMPORTING', importId: d.importId, agencyCode: d.agencyCode, period: d.period, sha256: d.file.sha256, events: 1, chunkLines: d.chunkLines, unregisteredChunks: 0, lastUnregisteredLineNo: 0 };
    }
    if (state.status === 'NONE') return state;
    const events = state.events + 1;
    switch (event.type) {
      case 'QueryLogImportCompleted':
        return { ...state, status: 'COMPLETED', events };
      case 'UnregisteredQueriesFound':
        return { ...state, events, unregisteredChunks: state.unregisteredChunks + 1, lastUnregisteredLineNo: event.data.queries[event.data.queries.length - 1]?.lineNo ?? state.lastUnregisteredLineNo };
      case 'QueryLogReconciled':
        return { ...state, status: 'RECONCILED', events };
      default:
        return { ...state, events };
    }
  },
  decide(command, state) {
    const started = startedEvent(command);
    if (state.status !== 'NONE') {
      if (state.period !== command.period) {
        refuse('QUERY_LOG_PERIOD_CONFLICT', QUERY_LOG_RULE, `this file was imported before for the month ${state.period}`, { period: state.period });
      }
      return [];
    }
    return [started];
  },
};

function startedEvent(c: StartQueryLogImport): QueryLogImportStarted {
  if (!isIdSegment(c.agencyCode)) throw new ValidationError('agencyCode', 'must be letters, digits, "_" or ":" only');
  if (!isLogPeriod(c.period)) throw new ValidationError('month', 'must be YYYY-MM');
  if (!QUERY_LOG_ENCODINGS.includes(c.file.encoding)) throw new ValidationError('encoding', `must be one of ${QUERY_LOG_ENCODINGS.join(', ')}`);
  const counts = [c.lineCount, c.acceptedCount, c.rejectedCount];
  if (!counts.every((n) => Number.isInteger(n) && n >= 0) || c.acceptedCount + c.rejectedCount !== c.lineCount) {
    throw new ValidationError('lineCount', 'must equal accepted plus rejected lines');
  }
  const chunkLines = c.chunkLines ?? QUERY_LOG_CHUNK_LINES;
  if (!Number.isInteger(chunkLines) || chunkLines < 1 || chunkLines > QUERY_LOG_MAX_CHUNK_LINES) {
    throw new ValidationError('chunkLines', `must be a whole number from 1 to ${QUERY_LOG_MAX_CHUNK_LINES}`);
  }
  if (c.downloadedBy) {
    const { accountId, account } = c.downloadedBy;
    if (account.status !== 'ACTIVE' || account.accountId !== accountId || account.kind !== 'ADMIN' || account.agencyCode !== c.agencyCode) {
      refuse('QUERY_LOG_NOT_BY_ADMINISTRATOR', QUERY_LOG_RULE, "the log is downloaded by an active administrator account of the agency");
    }
  }
  return {
    type: 'QueryLogImportStarted',
    data: {
      importId: queryLogImportId(c.agencyCode, c.file.sha256),
      agencyCode: c.agencyCode,
      period: c.period,
      file: { ...c.file, layout: QUERY_LOG_LAYOUT },
      ...(c.downloadedBy ? { downloadedBy: c.downloadedBy.accountId } : {}),
      lineCount: c.lineCount,
      acceptedCount: c.acceptedCount,
      rejectedCount: c.rejectedCount,
      chunkLines,
      acceptedChunks: Math.ceil(c.acceptedCount / chunkLines),
      rejectedChunks: Math.ceil(c.rejectedCount / chunkLines),
    },
  };
}

/** 要點 九(一): the explanation duty opened for logged queries found without a registration on `day`. */
export function explainUnregisteredDuty(foundAt: Date | string, days = DEFAULT_EXPLAIN_UNREGISTERED_DAYS): ExplainUnregisteredDuty {
  if (!Number.isInteger(days) || days < 1) throw new ValidationError('explainDays', 'must be a whole number of days ≥ 1');
  return { kind: 'EXPLAIN_UNREGISTERED_QUERY', rule: EXPLAIN_UNREGISTERED_RULE, dueDate: addDays(taipeiDateOf(foundAt), days) };
}

/** A logged query as the explanation needs it (read by the handler from the logged-queries read model). */
export interface UnregisteredLoggedQuery extends MatchKeyFields {
  importId: string;
  lineNo: number;
  loggedAt: string;
  /** Listed in an UnregisteredQueriesFound event, so its explanation duty is open. */
  foundUnregistered: boolean;
}

export interface LateRegistration extends MatchKeyFields {
  registrationId: string;
  plannedAt: string;
}

export interface ExplainUnregisteredQuery {
  type: 'ExplainUnregisteredQuery';
  logged: UnregisteredLoggedQuery | undefined;
  importId: string;
  lineNo: number;
  resolution: 'EXPLANATION' | 'LATE_REGISTRATION';
  explanation?: string | null;
  /** The registration named, as recorded (undefined when no such registration exists). */
  registration?: LateRegistration;
  registrationId?: string | null;
  window: ReconciliationWindow;
}

export type UnregisteredQueryState = { status: 'NONE' } | ({ status: 'EXPLAINED' } & UnregisteredQueryExplained['data']);

const MAX_EXPLANATION = 2000;

/**
 * 要點 九(一): a logged query with no registration is explained, or its registration recorded late
 * (which must match it as reconciliation would). Either meets EXPLAIN_UNREGISTERED_QUERY; the
 * same explanation sent again appends nothing, another one is refused (the first stays on record).
 */
export const unregisteredQueryDecider: Decider<ExplainUnregisteredQuery, UnregisteredQueryEvent, UnregisteredQueryState> = {
  initialState: () => ({ status: 'NONE' }),
  evolve: (_state, event) => ({ status: 'EXPLAINED', ...event.data }),
  decide(command, state) {
    const { logged, importId, lineNo } = command;
    if (!logged || !logged.foundUnregistered || logged.importId !== importId || logged.lineNo !== lineNo) {
      refuse('UNREGISTERED_QUERY_NOT_FOUND', EXPLAIN_UNREGISTERED_RULE, 'no logged query without a registration is recorded under this import and line');
    }
    let data: UnregisteredQueryExplained['data'];
    if (command.resolution === 'EXPLANATION') {
      const explanation = requireText(command.explanation, 'explanation');
      if ([...explanation].length > MAX_EXPLANATION) throw new ValidationError('explanation', `must be at most ${MAX_EXPLANATION} characters`);
      data = { importId, lineNo, agencyCode: logged.agencyCode, resolution: 'EXPLANATION', explanation, registrationId: null, meetsDuty: 'EXPLAIN_UNREGISTERED_QUERY' };
    } else if (command.resolution === 'LATE_REGISTRATION') {
      const registrationId = requireText(command.registrationId, 'registrationId');
      const r = command.registration;
      if (!r || r.registrationId !== registrationId || matchKeyOf(r) !== matchKeyOf(logged) || !withinWindow(r.plannedAt, logged.loggedAt, command.window)) {
        refuse('LATE_REGISTRATION_MISMATCH', EXPLAIN_UNREGISTERED_RULE, 'the registration does not match the logged query (account, item, subject, case number and day)');
      }
      data = { importId, lineNo, agencyCode: logged.agencyCode, resolution: 'LATE_REGISTRATION', explanation: null, registrationId, meetsDuty: 'EXPLAIN_UNREGISTERED_QUERY' };
    } else {
      throw new ValidationError('resolution', 'must be EXPLANATION or LATE_REGISTRATION');
    }
    if (state.status === 'EXPLAINED') {
      if (state.resolution === data.resolution && state.explanation === data.explanation && state.registrationId === data.registrationId) return [];
      refuse('UNREGISTERED_QUERY_ALREADY_EXPLAINED', EXPLAIN_UNREGISTERED_RULE, 'this logged query was explained before; the first explanation stays on record');
    }
    return [{ type: 'UnregisteredQueryExplained', data }];
  },
};
