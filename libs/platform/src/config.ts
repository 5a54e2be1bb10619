import 'reflect-metadata';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { IsIn, IsNotEmpty, IsPort, Matches, MinLength, ValidateIf, validateSync } from 'class-validator';
import type { SqliteSynchronous } from '@ledger/event-store';
import { readFileSync } from 'node:fs';
import { BLI_NOTICE_DAYS, MAX_DELETE_WITHIN_DAYS, MAX_INCIDENT_NOTICE_MINUTES, MAX_PROJECT_REPORT_DAYS } from '@ledger/domain';
import { detectorConfigFrom, type DetectorConfig, EMPTY_CALENDAR, parseHolidayCalendar, ValidationError } from '@ledger/domain';
import { HMAC_KEY_ENV, InvalidKeyMaterialError, loadPersonalDataKeys, MASTER_KEY_ENV } from '@ledger/personal-data';
import { DEFAULT_DEADLINES, type ObligationDeadlines } from '@ledger/projections';

/** Every environment variable the service reads; the README's configuration table mirrors this. */
export interface LedgerConfig {
  port: number;
  dataDir: string;
  eventStoreUrl?: string;
  eventStoreTimeoutMs: number;
  sqliteSynchronous: SqliteSynchronous;
  /** How long a write to an embedded file waits for another process's write lock before it is refused as unavailable. */
  sqliteBusyTimeoutMs: number;
  /** When set, its hash is registered as an admin key at start (CI, scripted setups). */
  adminApiKey?: string;
  mongodbUrl?: string;
  mongodbServerSelectionTimeoutMs: number;
  deadlines: ObligationDeadlines;
  /** How far ahead of the ledger clock an occurredAt may lie (clock skew), in ms. */
  futureToleranceMs: number;
  /** How long a read with a minimum position waits for its read model before answering 503. */
  readWaitMs: number;
  /** How long a projection lease lasts without renewal: how soon another instance takes over a dead one. */
  projectionLeaseMs: number;
  /**
   * run: this instance runs the projections whose lease it holds. follow: it runs none and serves
   * reads from what a projector (`npm run cli -- project`) or another instance writes, so commands
   * never share its event loop with projection work. thread: as follow, with the projector on a
   * worker thread of this process (projector-thread.ts). Default: thread with two cores or more,
   * else run (defaultProjectionRole).
   */
  projections?: ProjectionRole;
  /** Log lines: pino level, and JSON (production) or human-readable (development). */
  log: { level: LogLevel; format: LogFormat };
  /** Signed checkpoints (issue 9): signer key text, witnesses, and how often the tree is signed. */
  integrity: {
    /** `PRIVATE+KEY+<name>+<id>+<key>`; required with EventStoreDB, else generated under dataDir/keys. */
    signingKey?: string;
    witnessDir?: string;
    witnessUrl?: string;
    checkpointEveryEvents: number;
    checkpointIntervalSeconds: number;
  };
  /** 政風 detectors' settings (LEDGER_ETHICS_DETECTORS_FILE, LEDGER_ETHICS_CALENDAR_FILE); the project's defaults when absent. */
  ethicsDetectors?: DetectorConfig;
  /** Requests per minute: per API key, per source address, and per address without a valid key (issue 7, finding 6). */
  rateLimits?: { perKeyPerMinute: number; perAddressPerMinute: number; anonymousPerMinute: number; refusalDelayMs?: number };
  /** WebIR query logs (issue 10): the reconciliation window in Taipei days and the explanation deadline (要點 九(一)). */
  queryLogs?: { windowDays: number; explainDays: number };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';
export const PROJECTION_ROLES = ['run', 'follow', 'thread'] as const;
export type ProjectionRole = (typeof PROJECTION_ROLES)[number];

/** One variable that failed its rule; the value itself is never repeated (it may be a secret). */
export interface ConfigIssue {
  variable: string;
  rule: string;
}

/** The service refuses to start on any bad variable; the message names every one of them. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid configuration: ${issues.map((i) => `${i.variable} ${i.rule}`).join('; ')}`);
  }
}

/** An unset or empty variable takes its default; anything else must pass the rule. */
const isSet = (_: object, value: unknown) => value !== undefined && value !== '';
const POSITIVE_INT = /^[1-9][0-9]{0,9}$/;
const positiveIntRule = (unit: string) => Matches(POSITIVE_INT, { message: `must be a positive integer (${unit})` });
/** setTimeout fires at once for anything longer. */
const MAX_TIMER_MS = 2_147_483_647;
const SYNC_MODES: SqliteSynchronous[] = ['FULL', 'EXTRA', 'NORMAL', 'OFF'];

/**
 * The schema: one property per variable, named as in the environment. Values are validated as the
 * strings they are (so `PORT=3000abc` or `PORT=1e3` cannot slip through a lenient number parse) and
 * converted by loadConfig() only after every rule has passed. To add a variable: a property here,
 * a field in LedgerConfig, a line in loadConfig() and a row in the README's table.
 */
export class LedgerEnvironment {
  @ValidateIf(isSet)
  @IsPort({ message: 'must be a TCP port number (1–65535)' })
  @Matches(/^[1-9][0-9]*$/, { message: 'must be a TCP port number (1–65535)' })
  PORT?: string;

  @ValidateIf(isSet)
  @IsNotEmpty()
  LEDGER_DATA_DIR?: string;

  @ValidateIf(isSet)
  @IsIn([...SYNC_MODES, ...SYNC_MODES.map((m) => m.toLowerCase())], { message: `must be one of ${SYNC_MODES.join(', ')}` })
  LEDGER_SQLITE_SYNCHRONOUS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('milliseconds')
  LEDGER_SQLITE_BUSY_TIMEOUT_MS?: string;

  @ValidateIf(isSet)
  @Matches(/^(kurrentdb|kdb|esdb)(\+discover)?:\/\/[^\s]+$/, {
    message: 'must be a KurrentDB/EventStoreDB connection string (kurrentdb://host:2113?tls=false)',
  })
  EVENTSTORE_URL?: string;

  @ValidateIf(isSet)
  @positiveIntRule('milliseconds')
  EVENTSTORE_TIMEOUT_MS?: string;

  @ValidateIf(isSet)
  @MinLength(16, { message: 'must be at least 16 characters' })
  @Matches(/^\S+$/, { message: 'must not contain whitespace' })
  LEDGER_ADMIN_API_KEY?: string;

  @ValidateIf(isSet)
  @Matches(/^mongodb(\+srv)?:\/\/[^\s]+$/, { message: 'must be a MongoDB connection string (mongodb://host:27017)' })
  MONGODB_URL?: string;

  @ValidateIf(isSet)
  @positiveIntRule('milliseconds')
  MONGODB_SERVER_SELECTION_TIMEOUT_MS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('days')
  LEDGER_DEADLINE_BLI_NOTICE_DAYS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('months')
  LEDGER_DEADLINE_ACCESS_REVIEW_MONTHS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('months')
  LEDGER_DEADLINE_USAGE_REVIEW_MONTHS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('months')
  LEDGER_DEADLINE_TRAINING_MONTHS?: string;

  // records
  @ValidateIf(isSet)
  @positiveIntRule('days')
  LEDGER_DEADLINE_DELETE_OBTAINED_DATA_DAYS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('minutes')
  LEDGER_DEADLINE_INCIDENT_NOTICE_MINUTES?: string;

  // checks and audits
  @ValidateIf(isSet)
  @positiveIntRule('days')
  LEDGER_DEADLINE_JOINT_AUDIT_REPORT_DAYS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('days')
  LEDGER_DEADLINE_BREACH_REPORT_DAYS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('Taipei days')
  LEDGER_RECONCILIATION_WINDOW_DAYS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('days')
  LEDGER_DEADLINE_EXPLAIN_UNREGISTERED_DAYS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('requests per minute per API key')
  LEDGER_RATE_LIMIT_PER_MINUTE?: string;

  @ValidateIf(isSet)
  @positiveIntRule('requests per minute per source address')
  LEDGER_RATE_LIMIT_ADDRESS_PER_MINUTE?: string;

  @ValidateIf(isSet)
  @positiveIntRule('requests per minute per source address without a valid key')
  LEDGER_RATE_LIMIT_ANON_PER_MINUTE?: string;

  @ValidateIf(isSet)
  @Matches(/^(0|[1-9][0-9]{0,9})$/, { message: 'must be a non-negative integer (milliseconds a refusal over the keyless budget is held)' })
  LEDGER_RATE_LIMIT_REFUSAL_DELAY_MS?: string;

  @ValidateIf(isSet)
  @IsIn([...LOG_LEVELS], { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LEDGER_LOG_LEVEL?: string;

  @ValidateIf(isSet)
  @IsIn(['json', 'pretty'], { message: 'must be json or pretty' })
  LEDGER_LOG_FORMAT?: string;

  @ValidateIf(isSet)
  @IsIn([...PROJECTION_ROLES], { message: `must be one of ${PROJECTION_ROLES.join(', ')} (follow: a projector process runs them; thread: a thread of this process does)` })
  LEDGER_PROJECTIONS?: string;

  @ValidateIf(isSet)
  @Matches(/^PRIVATE\+KEY\+[!-*,-~]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{43}[A-Za-z0-9+/=]$/, { message: 'must be an Ed25519 signer key PRIVATE+KEY+<name>+<key id>+<base64>' })
  LEDGER_SIGNING_KEY?: string;

  @ValidateIf(isSet)
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s) URL of a C2SP tlog-witness' })
  LEDGER_WITNESS_URL?: string;

  @ValidateIf(isSet)
  @positiveIntRule('events')
  LEDGER_CHECKPOINT_EVERY_EVENTS?: string;

  @ValidateIf(isSet)
  @positiveIntRule('seconds')
  LEDGER_CHECKPOINT_INTERVAL_SECONDS?: string;

  // 政風 (ethics): files read at start; their content is checked by ethicsDetectorsFrom().
  @ValidateIf(isSet)
  @IsNotEmpty()
  LEDGER_ETHICS_DETECTORS_FILE?: string;

  @ValidateIf(isSet)
  @IsNotEmpty()
  LEDGER_ETHICS_CALENDAR_FILE?: string;
}

type Env = Record<string, string | undefined>;

function schemaIssues(env: Env): ConfigIssue[] {
  const errors = validateSync(plainToInstance(LedgerEnvironment, { ...env }), { forbidUnknownValues: false });
  return errors.map((e) => ({ variable: e.property, rule: Object.values(e.constraints ?? {})[0] ?? 'is invalid' }));
}

/**
 * The server keys are checked by their own library (base64, lengths, the two differ); here only so
 * that a bad key stops the start with the others instead of surfacing later from a provider.
 */
function keyIssues(env: Env): ConfigIssue[] {
  const anyKey = Boolean(env[HMAC_KEY_ENV] || env[MASTER_KEY_ENV]);
  if (!anyKey && !env.EVENTSTORE_URL) return []; // the embedded default makes its own keys
  if (!anyKey) return [HMAC_KEY_ENV, MASTER_KEY_ENV].map((variable) => ({ variable, rule: 'is required when EVENTSTORE_URL is set' }));
  try {
    loadPersonalDataKeys(env);
    return [];
  } catch (error) {
    if (!(error instanceof InvalidKeyMaterialError)) throw error;
    return [{ variable: error.setting, rule: `is invalid (${error.rule})` }];
  }
}

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : Number(raw);
}

/**
 * Reads a positive integer, at most `max` when given (`why` says whose limit it is). For a variable
 * not (yet) in the schema this is its only check, so it still refuses anything else, naming it.
 */
export function positiveInt(env: Env, name: string, fallback: number, max?: number, why?: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!POSITIVE_INT.test(raw)) throw new ConfigError([{ variable: name, rule: 'must be a positive integer' }]);
  const n = Number(raw);
  if (max !== undefined && n > max) throw new ConfigError([{ variable: name, rule: `must be at most ${max}${why ? ` (${why})` : ''}` }]);
  return n;
}

/** A positive integer with an upper bound, or undefined when the variable is unset or empty (the domain's default then applies). */
function optionalPositiveInt(env: Env, name: string, max: number, why: string): number | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : positiveInt(env, name, 0, max, why);
}

/** Reads an integer ≥ 0, naming the variable when it is anything else. */
function boundedNonNegativeInt(env: Env, name: string, fallback: number, max: number): number {
  const n = nonNegativeInt(env, name, fallback);
  if (n > max) throw new ConfigError([{ variable: name, rule: `must be at most ${max}` }]);
  return n;
}

export function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^(0|[1-9][0-9]{0,9})$/.test(raw)) throw new ConfigError([{ variable: name, rule: 'must be a non-negative integer' }]);
  return Number(raw);
}

/**
 * Where the projections run when LEDGER_PROJECTIONS is unset: on a second core when there is one
 * (the commands' event loop then does no projection work; bench:queries and bench:http measure
 * both), in the event loop on a single core, where a thread would only add a heap.
 */
export function defaultProjectionRole(cores: number = availableParallelism()): ProjectionRole {
  return cores >= 2 ? 'thread' : 'run';
}

/**
 * The single source of configuration for the service (validated at start through @nestjs/config,
 * see ledgerConfigModule()) and the CLI. Throws a ConfigError naming every bad variable.
 */
export function loadConfig(env: Env = process.env): LedgerConfig {
  const issues = [...schemaIssues(env), ...keyIssues(env)];
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    port: int(env, 'PORT', 3000),
    dataDir: resolve(env.LEDGER_DATA_DIR || './data'),
    eventStoreUrl: env.EVENTSTORE_URL || undefined,
    eventStoreTimeoutMs: positiveInt(env, 'EVENTSTORE_TIMEOUT_MS', 10_000, MAX_TIMER_MS, 'the longest timer Node.js keeps'),
    sqliteSynchronous: (env.LEDGER_SQLITE_SYNCHRONOUS || 'FULL').toUpperCase() as SqliteSynchronous,
    sqliteBusyTimeoutMs: positiveInt(env, 'LEDGER_SQLITE_BUSY_TIMEOUT_MS', 5000, 600_000, 'ten minutes'),
    adminApiKey: env.LEDGER_ADMIN_API_KEY || undefined,
    mongodbUrl: env.MONGODB_URL || undefined,
    mongodbServerSelectionTimeoutMs: positiveInt(env, 'MONGODB_SERVER_SELECTION_TIMEOUT_MS', 3000, MAX_TIMER_MS, 'the longest timer Node.js keeps'),
    deadlines: {
      // A deadline the 要點 fixes may be configured stricter, never looser.
      bliNoticeDays: positiveInt(env, 'LEDGER_DEADLINE_BLI_NOTICE_DAYS', DEFAULT_DEADLINES.bliNoticeDays, BLI_NOTICE_DAYS, '要點 七: within 7 days; stricter, never looser'),
      accessReviewMonths: positiveInt(env, 'LEDGER_DEADLINE_ACCESS_REVIEW_MONTHS', DEFAULT_DEADLINES.accessReviewMonths, 12, '要點 六(六): at least once a year; stricter, never looser'),
      usageReviewMonths: positiveInt(env, 'LEDGER_DEADLINE_USAGE_REVIEW_MONTHS', DEFAULT_DEADLINES.usageReviewMonths, 12, '要點 九(三): every year; stricter, never looser'),
      trainingMonths: positiveInt(env, 'LEDGER_DEADLINE_TRAINING_MONTHS', DEFAULT_DEADLINES.trainingMonths),
      // records
      deleteObtainedDataDays: optionalPositiveInt(env, 'LEDGER_DEADLINE_DELETE_OBTAINED_DATA_DAYS', MAX_DELETE_WITHIN_DAYS, '要點 十一(二): within one month; stricter, never looser'),
      incidentNoticeMinutes: optionalPositiveInt(env, 'LEDGER_DEADLINE_INCIDENT_NOTICE_MINUTES', MAX_INCIDENT_NOTICE_MINUTES, '要點 十二(十) 即時, read as within the hour; stricter, never looser'),
      // checks and audits: periods the 要點 leaves open, so a project default (30 days) an agency may change
      jointAuditReportDays: optionalPositiveInt(env, 'LEDGER_DEADLINE_JOINT_AUDIT_REPORT_DAYS', MAX_PROJECT_REPORT_DAYS, '要點 十二(二) names no period; within a year'),
      breachReportDays: optionalPositiveInt(env, 'LEDGER_DEADLINE_BREACH_REPORT_DAYS', MAX_PROJECT_REPORT_DAYS, '要點 十二(四) names no period; within a year'),
    },
    ethicsDetectors: ethicsDetectorsFrom(env),
    futureToleranceMs: nonNegativeInt(env, 'LEDGER_FUTURE_TOLERANCE_SECONDS', 300) * 1000,
    readWaitMs: nonNegativeInt(env, 'LEDGER_READ_WAIT_MS', 2000),
    projections: (env.LEDGER_PROJECTIONS || defaultProjectionRole()) as ProjectionRole,
    projectionLeaseMs: positiveInt(env, 'LEDGER_PROJECTION_LEASE_MS', 15_000, MAX_TIMER_MS, 'the longest timer Node.js keeps'),
    log: {
      level: (env.LEDGER_LOG_LEVEL || 'info') as LogLevel,
      format: (env.LEDGER_LOG_FORMAT || (env.NODE_ENV === 'development' ? 'pretty' : 'json')) as LogFormat,
    },
    integrity: {
      signingKey: env.LEDGER_SIGNING_KEY || undefined,
      witnessDir: env.LEDGER_WITNESS_DIR ? resolve(env.LEDGER_WITNESS_DIR) : undefined,
      witnessUrl: env.LEDGER_WITNESS_URL || undefined,
      checkpointEveryEvents: positiveInt(env, 'LEDGER_CHECKPOINT_EVERY_EVENTS', 1000),
      checkpointIntervalSeconds: positiveInt(env, 'LEDGER_CHECKPOINT_INTERVAL_SECONDS', 30),
    },
    rateLimits: {
      perKeyPerMinute: positiveInt(env, 'LEDGER_RATE_LIMIT_PER_MINUTE', 100_000),
      perAddressPerMinute: positiveInt(env, 'LEDGER_RATE_LIMIT_ADDRESS_PER_MINUTE', 200_000),
      anonymousPerMinute: positiveInt(env, 'LEDGER_RATE_LIMIT_ANON_PER_MINUTE', 60),
      refusalDelayMs: boundedNonNegativeInt(env, 'LEDGER_RATE_LIMIT_REFUSAL_DELAY_MS', 250, 10_000),
    },
    queryLogs: {
      windowDays: positiveInt(env, 'LEDGER_RECONCILIATION_WINDOW_DAYS', 1, 31, 'a registration covers queries of its Taipei day and at most 30 days after'),
      explainDays: positiveInt(env, 'LEDGER_DEADLINE_EXPLAIN_UNREGISTERED_DAYS', 14),
    },
  };
}

export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');

/**
 * 政風 detectors: a JSON file of settings over the defaults and a holiday calendar file (formats in the
 * README). A file that cannot be read or a bad setting stops the start, naming the variable and the
 * setting or line, never a value.
 */
export function ethicsDetectorsFrom(env: Env): DetectorConfig {
  const read = (variable: string): string | undefined => {
    const path = env[variable];
    if (!path) return undefined;
    try {
      return readFileSync(resolve(path), 'utf8');
    } catch {
      throw new ConfigError([{ variable, rule: 'must name a readable file' }]);
    }
  };
  const guard = <T>(variable: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ValidationError) throw new ConfigError([{ variable, rule: `${error.field} ${error.reason}` }]);
      if (error instanceof SyntaxError) throw new ConfigError([{ variable, rule: 'must hold a JSON object' }]);
      throw error;
    }
  };
  const calendarText = read('LEDGER_ETHICS_CALENDAR_FILE');
  const calendar = calendarText === undefined ? EMPTY_CALENDAR : guard('LEDGER_ETHICS_CALENDAR_FILE', () => parseHolidayCalendar(calendarText));
  const settings = read('LEDGER_ETHICS_DETECTORS_FILE');
  return guard('LEDGER_ETHICS_DETECTORS_FILE', () => detectorConfigFrom(settings === undefined ? {} : JSON.parse(settings), calendar));
}
