import type { IsoDate } from '../core/calendar';
import type { DomainEvent } from '../core/decider';
import { ValidationError } from '../core/domain-error';
import { assertIdSegment, streamIdOf } from '../core/stream-id';
import type { ProtectedQuerySubject } from '../query-registration/query-registration.events';

/**
 * The WebIR query log (查詢日誌及軌跡紀錄, 要點 九(二)) as the ledger records it.
 *
 * One stream per imported file, `querylog-<importId>`, never one per agency or month: a file is
 * written once (bounded by its own line count) and a city's millions of logged queries a year
 * spread over as many files. `importId` = `<agencyCode>.<first 32 hex digits of the file's SHA-256>`,
 * so the same file sent twice lands on the same stream and appends nothing (idempotent by digest,
 * race-safe through the expected revision).
 *
 * A file is read twice: a first streaming pass validates every line and counts; only then is
 * anything appended, in this order:
 *   QueryLogImportStarted (digest, period, counts) →
 *   QueryLogLinesAccepted × ⌈accepted / chunkLines⌉ and QueryLogLinesRejected × ⌈rejected / chunkLines⌉ (chunk n in line order) →
 *   QueryLogImportCompleted →
 *   UnregisteredQueriesFound × k (0..n, reconciliation against the registrations) → QueryLogReconciled.
 * A logged query is identified by `(importId, lineNo)`; its evidence is the chunk event holding it
 * (its position and hash). Until `QueryLogImportCompleted` the import reads as IMPORTING (incomplete);
 * one cut short (a crash) is resumed by sending the same file again, which appends exactly the
 * missing chunks (chunking is deterministic: the file's lines cut every `chunkLines`, the size
 * recorded when the import started), so no line is ever recorded twice or left out.
 *
 * Of WebIR's result column only an outcome code is kept, never data BLI returned (要點 十一); the
 * subject is protected exactly as a registration's (random person id + ciphertext), never the number.
 */

export const QUERY_LOG_RULE = '要點 九(二)';
export const EXPLAIN_UNREGISTERED_RULE = '要點 九(一)';
/** The documented CSV layout (docs/webir-log-layout.md); a new layout gets a new name. */
export const QUERY_LOG_LAYOUT = 'webir-query-log/1';
/**
 * Lines per chunk event of a new import. Each chunk's JSON is one string, made when the event is
 * sealed and stored and again when a projection reads it; ≈ 350 characters a line, two bytes each
 * in V8 for the Chinese reasons. 500 lines made strings of ≈ 350 KB, which V8 puts in its
 * large-object space, freed only by a full collection; 150 lines keep each string under V8's 128 KB
 * limit for ordinary objects, and the young generation's collector frees them (a 1,000,000-line
 * import by the CLI peaked at 476 MB RSS with 500 and 409 MB with 150, one run each). The size is
 * recorded in QueryLogImportStarted (`chunkLines`) and an import cut short is resumed with the size
 * it was started with, whatever this default is.
 */
export const QUERY_LOG_CHUNK_LINES = 150;
/** The largest chunk ever recorded (the size before QUERY_LOG_CHUNK_LINES became smaller). */
export const QUERY_LOG_MAX_CHUNK_LINES = 500;

export const QUERY_LOG_ENCODINGS = ['UTF-8', 'UTF-8-BOM', 'BIG5'] as const;
export type QueryLogEncoding = (typeof QUERY_LOG_ENCODINGS)[number];

/**
 * WebIR's result column reduced to a code: 成功 (data returned), 查無資料, 失敗 (refused or error).
 * Any other text is refused for its line rather than kept, since it could be the data BLI returned.
 */
export const QUERY_OUTCOME_CODES = ['FOUND', 'NOT_FOUND', 'FAILED'] as const;
export type QueryOutcomeCode = (typeof QUERY_OUTCOME_CODES)[number];

/** Why a line was rejected; the line's content is never kept (it holds a national ID). */
export const REJECTED_LINE_CODES = [
  'WRONG_COLUMN_COUNT',
  'MISSING_FIELD',
  'BAD_ACCOUNT',
  'ACCOUNT_OF_OTHER_AGENCY',
  'BAD_DATE',
  'BAD_TIME',
  'LOGGED_OUTSIDE_PERIOD',
  'BAD_OPERATION_CODE',
  'BAD_SUBJECT',
  'BAD_CASE_NUMBER',
  'BAD_REASON',
  'NATIONAL_ID_OUTSIDE_SUBJECT',
  'UNKNOWN_OUTCOME',
  'DUPLICATE_LINE',
  'BAD_ENCODING',
] as const;
export type RejectedLineCode = (typeof REJECTED_LINE_CODES)[number];

/** One query as WebIR logged it. */
export interface LoggedQueryLine {
  /** 1-based line number in the file, the header being line 1; with importId it names the query. */
  lineNo: number;
  accountId: string;
  /** UTC instant; the file gives Asia/Taipei local date and time. */
  loggedAt: string;
  operationCode: string;
  subject: ProtectedQuerySubject;
  caseNumber: string;
  reason: string;
  outcomeCode: QueryOutcomeCode;
}

export interface RejectedLogLine {
  lineNo: number;
  code: RejectedLineCode;
  /** The canonical field at fault, when one is (see the layout's field names). */
  field?: string;
  /** Traditional Chinese, never the line's content. */
  reason: string;
}

export interface QueryLogFile {
  /** SHA-256 of the file's bytes as received, lowercase hex: the evidence of which file this was. */
  sha256: string;
  byteLength: number;
  encoding: QueryLogEncoding;
  layout: typeof QUERY_LOG_LAYOUT;
  /** Canonical field per column in file order, from its header (the mapping of header spellings is in the layout). */
  columns: string[];
  /** The name the file was sent under, when given and safe (no national ID shape, ≤ 200 characters). */
  fileName?: string;
}

/**
 * How a logged query is matched to a registration: same agency, account, operation code, subject
 * (person id) and case number, logged on the Taipei day of the planned time or up to `days − 1`
 * days after it (days = 1: the same Taipei day, the default).
 */
export interface ReconciliationWindow {
  days: number;
}

export interface ExplainUnregisteredDuty {
  kind: 'EXPLAIN_UNREGISTERED_QUERY';
  rule: typeof EXPLAIN_UNREGISTERED_RULE;
  /** Met in time when explained (or registered late) by the end of this Asia/Taipei day. */
  dueDate: IsoDate;
}

/** 要點 九(二): the administrator's monthly download, validated in full before this is written. */
export type QueryLogImportStarted = DomainEvent<
  'QueryLogImportStarted',
  {
    importId: string;
    agencyCode: string;
    /** YYYY-MM, the Asia/Taipei month the file covers. */
    period: string;
    file: QueryLogFile;
    /** 要點 九(二): the agency's administrator account that downloaded the log from WebIR, when named (active ADMIN of the agency). */
    downloadedBy?: string;
    /** Data lines (header excluded, blank lines skipped) = acceptedCount + rejectedCount. */
    lineCount: number;
    acceptedCount: number;
    rejectedCount: number;
    /** Lines per chunk event of this import (500 before 2 December 2026; see QUERY_LOG_CHUNK_LINES). */
    chunkLines: number;
    acceptedChunks: number;
    rejectedChunks: number;
  }
>;

export type QueryLogLinesAccepted = DomainEvent<
  'QueryLogLinesAccepted',
  { importId: string; agencyCode: string; period: string; /** 0-based, in line order. */ chunk: number; lines: LoggedQueryLine[] }
>;

export type QueryLogLinesRejected = DomainEvent<
  'QueryLogLinesRejected',
  { importId: string; agencyCode: string; period: string; chunk: number; lines: RejectedLogLine[] }
>;

/** Every chunk is recorded: from here on readers count the file's queries. */
export type QueryLogImportCompleted = DomainEvent<
  'QueryLogImportCompleted',
  {
    importId: string;
    agencyCode: string;
    period: string;
    sha256: string;
    lineCount: number;
    acceptedCount: number;
    rejectedCount: number;
    /** UTC instants of the first and last logged query, null when none was accepted. */
    firstLoggedAt: string | null;
    lastLoggedAt: string | null;
  }
>;

/**
 * 要點 九(一): logged queries that had no registration when the log was reconciled (anomaly
 * `UNREGISTERED_QUERY`); each opens the obligation EXPLAIN_UNREGISTERED_QUERY, subject
 * `<importId>.<lineNo>`, met by `UnregisteredQueryExplained`.
 */
export type UnregisteredQueriesFound = DomainEvent<
  'UnregisteredQueriesFound',
  {
    importId: string;
    agencyCode: string;
    period: string;
    chunk: number;
    anomaly: 'UNREGISTERED_QUERY';
    window: ReconciliationWindow;
    queries: Array<{ lineNo: number; accountId: string; operationCode: string; loggedAt: string }>;
    duty: ExplainUnregisteredDuty;
  }
>;

/** The import's reconciliation as decided when it was recorded (the read model follows late registrations since). */
export type QueryLogReconciled = DomainEvent<
  'QueryLogReconciled',
  {
    importId: string;
    agencyCode: string;
    period: string;
    window: ReconciliationWindow;
    /** Accepted lines with at least one matching registration. */
    matchedCount: number;
    unregisteredCount: number;
  }
>;

export type QueryLogEvent = QueryLogImportStarted | QueryLogLinesAccepted | QueryLogLinesRejected | QueryLogImportCompleted | UnregisteredQueriesFound | QueryLogReconciled;

/**
 * 要點 九(一): why a logged query had no registration — an explanation, or a registration recorded
 * late (which must match the query). Stream `unregisteredquery-<importId>.<lineNo>`, one event.
 */
export type UnregisteredQueryExplained = DomainEvent<
  'UnregisteredQueryExplained',
  {
    importId: string;
    lineNo: number;
    agencyCode: string;
    resolution: 'EXPLANATION' | 'LATE_REGISTRATION';
    /** Traditional Chinese text of the explanation (EXPLANATION); no national ID. */
    explanation: string | null;
    /** The matching registration (LATE_REGISTRATION). */
    registrationId: string | null;
    meetsDuty: 'EXPLAIN_UNREGISTERED_QUERY';
  }
>;

export type UnregisteredQueryEvent = UnregisteredQueryExplained;

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The import's id: the agency and the file's digest, so the same file always names the same stream. */
export function queryLogImportId(agencyCode: string, sha256: string): string {
  assertIdSegment(agencyCode, 'agencyCode');
  if (!SHA256_HEX.test(sha256)) throw new ValidationError('sha256', 'must be 64 lowercase hex digits');
  return `${agencyCode}.${sha256.slice(0, 32)}`;
}

const IMPORT_ID = /^([A-Za-z0-9_:]+)\.([0-9a-f]{32})$/;

export function parseQueryLogImportId(importId: unknown): { agencyCode: string; digestPrefix: string } | undefined {
  const m = typeof importId === 'string' ? IMPORT_ID.exec(importId) : null;
  return m ? { agencyCode: m[1], digestPrefix: m[2] } : undefined;
}

export function requireQueryLogImportId(importId: unknown, field = 'importId'): string {
  if (!parseQueryLogImportId(importId)) throw new ValidationError(field, 'must be <agencyCode>.<32 hex digits>');
  return importId as string;
}

export const queryLogStreamId = (importId: string) => streamIdOf('querylog', requireQueryLogImportId(importId));

/** What names one logged query outside its chunk: obligations, explanations, 政風 cases. */
export function loggedQueryRef(importId: string, lineNo: number): string {
  requireQueryLogImportId(importId);
  if (!Number.isInteger(lineNo) || lineNo < 2) throw new ValidationError('lineNo', 'must be a data line number (≥ 2, the header is line 1)');
  return `${importId}.${lineNo}`;
}

export const unregisteredQueryStreamId = (importId: string, lineNo: number) => streamIdOf('unregisteredquery', loggedQueryRef(importId, lineNo));
