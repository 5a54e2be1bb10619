import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import type { Options } from 'pino-http';
import type { LedgerConfig } from './config';

/**
 * National ID and resident-certificate shapes (old and 2021 forms), half- or full-width, with or
 * without a valid check digit: a log line gives no benefit of the doubt.
 */
const PERSONAL_ID = /(?<![A-Za-z0-9Ａ-Ｚａ-ｚ０-９])[A-Za-zＡ-Ｚａ-ｚ][12389A-Da-d１２３８９Ａ-Ｄａ-ｄ][0-9０-９]{8}(?![A-Za-z0-9Ａ-Ｚａ-ｚ０-９])/g;
/** API keys the service issues (`wl_` + 32 base64url characters). */
const API_KEY = /wl_[A-Za-z0-9_-]{16,}/g;

export const SCRUBBED_ID = '[personal-id]';
export const SCRUBBED_KEY = 'wl_[redacted]';

/** Masks what looks like a national ID or an API key anywhere in a text (a message, a URL, a whole log line). */
export function scrubText(text: string): string {
  const scrubbed = text.replace(PERSONAL_ID, SCRUBBED_ID);
  // Every log line passes here: the key pattern runs only where its literal prefix occurs.
  return scrubbed.includes('wl_') ? scrubbed.replace(API_KEY, SCRUBBED_KEY) : scrubbed;
}

/**
 * Fields never logged, at any of the first three levels of a logged object (pino's redaction is
 * path-based): holder data, keys and whole bodies. Request headers are not logged at all (see the
 * req serializer), these paths only catch an object someone logs by hand.
 */
export const REDACTED_FIELDS = [
  'nationalId',
  'name',
  'holderName',
  'holder',
  'myEGovAccountId',
  'apiKey',
  'key',
  'hmacKey',
  'masterKey',
  'password',
  'secret',
  'token',
  'authorization',
  'x-api-key',
  'cookie',
  'body',
] as const;

export const REDACT_PATHS = REDACTED_FIELDS.flatMap((f) => {
  const p = /^[A-Za-z_$][\w$]*$/.test(f) ? f : `["${f}"]`;
  const child = p.startsWith('[') ? p : `.${p}`;
  return [p, `*${child}`, `*.*${child}`];
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const QUIET_ROUTES = new Set(['/health', '/health/live', '/health/ready']);

type Req = IncomingMessage & { id?: string | number; body?: unknown; originalUrl?: string };

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** A client's request id is taken only when it is a UUID; anything else could smuggle data into every line. */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const incoming = header(req, 'x-request-id');
  const id = incoming && UUID.test(incoming) ? incoming.toLowerCase() : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/**
 * The business process a request belongs to, as in the events it appends: the command's
 * correlationId, else its commandId (or Idempotency-Key), else the request id.
 */
export function correlationIdOf(req: Req): string {
  const body = typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
  for (const candidate of [body.correlationId, body.commandId, header(req, 'idempotency-key'), header(req, 'x-correlation-id')]) {
    if (typeof candidate === 'string' && SAFE_ID.test(candidate) && scrubText(candidate) === candidate) return candidate;
  }
  return String(req.id);
}

/**
 * The URL as logged: query values dropped (names are kept: they say what was asked), the path
 * decoded so an escaped ID is still caught, runs of non-ASCII characters (a name in Chinese where
 * an ASCII id belongs) masked, and ID / key shapes scrubbed.
 */
export function loggableUrl(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  let path = rawPath;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    // a malformed escape is logged as sent, still scrubbed
  }
  path = scrubText(path).replace(/[^\x20-\x7e]+/g, '[non-ascii]');
  if (q < 0) return path;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => scrubText(pair.split('=')[0]).replace(/[^A-Za-z0-9_.[\]-]+/g, '_').slice(0, 40) + '=…');
  return `${path}?${names.join('&')}`;
}

/**
 * pino-http options of the service: JSON lines with a textual level, an ISO time in UTC, the
 * request id and $correlationId on every line of a request; only method, URL (scrubbed), route
 * status and timing of a request; redaction of sensitive fields, and a last pass over each
 * written line that masks anything shaped like a national ID or an API key.
 */
export function ledgerLogOptions(config: Pick<LedgerConfig, 'log'>, destination?: DestinationStream): Options {
  const pretty = config.log.format === 'pretty' && !destination;
  const base: LoggerOptions = {
    level: config.log.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    hooks: { streamWrite: scrubText },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:standard', colorize: true } } } : {}),
  };
  return {
    ...base,
    ...(destination ? { stream: destination } : {}),
    genReqId: requestIdOf,
    customProps: (req) => ({ reqId: (req as Req).id, $correlationId: correlationIdOf(req as Req) }),
    // A request line the level drops is answered 'silent', which pino-http takes as "skip": without
    // it, each request finished by building the line's bindings (a child logger) only to drop it.
    customLogLevel: (_req, res, error) => enabledOrSilent(error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info', config.log.level),
    autoLogging: { ignore: (req) => QUIET_ROUTES.has((req.url ?? '').split('?')[0]) },
    // The serializers below take the raw request and response: pino-std-serializers' wrappers would
    // first copy every header into an object on each request, for the four fields kept here.
    wrapSerializers: false,
    serializers: {
      req: (req: Req) => ({
        id: req.id,
        method: req.method,
        url: loggableUrl(req.originalUrl ?? req.url),
        remoteAddress: req.socket?.remoteAddress,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: pino.stdSerializers.err,
    },
  };
}

const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** The level of a request line, or 'silent' when the configured level drops it. */
export function enabledOrSilent(level: 'info' | 'warn' | 'error', configured: string): 'info' | 'warn' | 'error' | 'silent' {
  return LEVEL_VALUES[level] >= (LEVEL_VALUES[configured] ?? LEVEL_VALUES.info) ? level : 'silent';
}
