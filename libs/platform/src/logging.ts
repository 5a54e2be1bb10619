import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { storage, type Store } from 'nestjs-pino/storage';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
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

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * The request middleware of the service: what pino-http does with the options above (request id,
 * the request's logger in nestjs-pino's context for every line written while it runs, one line
 * when it ends: same keys, messages and levels), without pino-http's cost per request. pino-http
 * builds two or three child loggers for every request — each one running the request serializer
 * and the redaction of its bindings — even when no line is written (a /health probe, or a level
 * that drops request lines): ≈ 10–15 % of a request's CPU time. Here the request's logger is built
 * only when something logs through it, and the closing line is written with its bindings in the
 * logged object (same output: bindings and the object's keys are serialized and redacted alike).
 */
export function requestLogging(options: Options): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  const { genReqId, customProps, customLogLevel, autoLogging, serializers, ...rest } = options;
  const base = { ...rest, serializers } as LoggerOptions;
  delete (base as Record<string, unknown>).stream;
  const stream = (options as { stream?: DestinationStream }).stream;
  const root: Logger = stream ? pino(base, stream) : pino(base);
  const ignore = typeof autoLogging === 'object' ? autoLogging.ignore : undefined;
  // The raw request: the logger's `req` serializer makes it the logged object, as with pino-http.
  const bindingsOf = (req: Req, res: ServerResponse) => ({ req, ...(typeof customProps === 'function' ? customProps(req, res) : customProps) });

  return (incoming: IncomingMessage, res: ServerResponse, next: () => void) => {
    const req = incoming as Req;
    req.id = req.id || (genReqId ? (genReqId(req, res) as string) : randomUUID());
    const started = Date.now();
    // The socket keeps its peer's address once asked (cached per connection): asked now, the line
    // built after the response still has it once the connection is gone.
    void req.socket?.remoteAddress;
    // Logging off (level silent): no line can be written, in the request or at its end, so neither
    // the context nor the closing listeners are set up. The context is an AsyncLocalStorage, whose
    // hooks run on every promise the request creates (≈ 4 % of a command's time).
    if (root.level === 'silent') return next();
    let built: Logger | undefined;
    // nestjs-pino's context for this request: PinoLogger (behind Nest's Logger) reads `logger`
    // from it, and `assign` replaces it.
    const store = {
      get logger(): Logger {
        // A silent logger writes nothing, whatever its bindings: no need to build them.
        if (!built && root.level === 'silent') return root;
        return (built ??= root.child(bindingsOf(req, res)));
      },
      set logger(logger: Logger) {
        built = logger;
      },
      responseLogger: undefined,
    } as Store;

    if (autoLogging !== false) {
      const logged = !ignore?.(req);
      const complete = (error?: Error) => {
        res.removeListener('close', complete);
        res.removeListener('finish', complete);
        res.removeListener('error', complete);
        const failure = error ?? (res.statusCode >= 500 ? new Error(`failed with status code ${res.statusCode}`) : undefined);
        const chosen = customLogLevel ? customLogLevel(req, res, failure) : 'info';
        if (chosen === 'silent') return;
        const level = chosen in root.levels.values ? chosen : 'info'; // as pino-http: an unknown level logs at info
        const responseTime = Date.now() - started;
        const message = failure ? 'request errored' : !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted';
        const line: Record<string, unknown> = built ? {} : bindingsOf(req, res);
        line.res = res;
        if (failure) line.err = failure;
        line.responseTime = responseTime;
        (built ?? root)[level as Level](line, message);
      };
      if (logged) {
        res.on('close', complete);
        res.on('finish', complete);
      }
      res.on('error', complete);
    }
    storage.run(store, next);
  };
}
