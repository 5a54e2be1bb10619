import { ExecutionContext, HttpException, Injectable, INestApplication, OnApplicationShutdown } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { getStorageToken, InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerModule, ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { LEDGER_CONFIG, LedgerConfig } from '@ledger/platform';
import { ApiKeyService, presentedKey } from './api-key.service';
import { routeOf, sourceOf } from './auth.guard';
import { SecurityLogService } from './security-log.service';

const DEFAULTS = { perKeyPerMinute: 100_000, perAddressPerMinute: 200_000, anonymousPerMinute: 60, refusalDelayMs: 0 };
/** Set on a request whose keyless budget the early check has already counted, so the guard does not count it twice. */
const COUNTED = Symbol('anonymous-budget-counted');
const ANON_TTL_MS = 60_000;
const anonStorageKey = (source: string) => `anonymous:anon:${source}`;
const keyHashOf = (req: Request): string | undefined => presentedKey(req).hash;
const SOURCE = Symbol('source-address');
/** The source address, worked out once per request (Express derives req.ip anew on every read). */
function sourceOnce(req: Request): string {
  const memo = req as unknown as { [SOURCE]?: string };
  return (memo[SOURCE] ??= sourceOf(req));
}

/** The expiry times of one bucket's hits, oldest first: pruned from the head, not by filtering the whole list. */
class HitLog {
  private times: number[] = [];
  private head = 0;

  get size(): number {
    return this.times.length - this.head;
  }

  get oldest(): number {
    return this.times[this.head];
  }

  push(expiresAt: number): void {
    this.times.push(expiresAt);
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }

  /**
   * Drops the hits expired at `now`. Hits of a bucket are appended with one ttl, so their expiry
   * times only grow and the expired ones are all at the head (were the wall clock set back, a few
   * hits would expire late, never early).
   */
  prune(now: number): void {
    const times = this.times;
    let head = this.head;
    while (head < times.length && times[head] <= now) head++;
    if (head === times.length) this.clear();
    else if (head > 1_024 && head * 2 > times.length) {
      this.times = times.slice(head);
      this.head = 0;
    } else this.head = head;
  }
}

interface Bucket {
  hits: Map<string, HitLog>;
  expiresAt: number;
  blockExpiresAt: number;
  isBlocked: boolean;
}

/**
 * The throttler library's in-memory storage, same answers (a sliding log of hits per bucket, a
 * block of `blockDuration` once over the limit), at a constant cost per request: the library's own
 * storage filters the whole list of a bucket's hits on every request, so with a per-key limit of
 * 100,000 a minute a busy key made every request walk tens of thousands of timestamps.
 */
export class LedgerThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly buckets = new Map<string, Bucket>();
  private sweep?: NodeJS.Timeout;

  constructor(private readonly sweepIntervalMs = 60_000) {}

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    return Promise.resolve(this.incrementNow(key, ttl, limit, blockDuration, throttlerName));
  }

  /** The same as increment, without the promise (the early keyless check needs no await). */
  incrementNow(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): ThrottlerStorageRecord {
    this.ensureSweep();
    const now = Date.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { hits: new Map(), expiresAt: now + ttl, blockExpiresAt: 0, isBlocked: false };
      this.buckets.set(key, bucket);
    }
    let hits = bucket.hits.get(throttlerName);
    if (!hits) bucket.hits.set(throttlerName, (hits = new HitLog()));
    hits.prune(now);
    let timeToExpire = Math.ceil((bucket.expiresAt - now) / 1_000);
    if (timeToExpire <= 0) {
      bucket.expiresAt = now + ttl;
      timeToExpire = Math.ceil(ttl / 1_000);
    }
    if (blockDuration <= 0) {
      const isBlocked = hits.size >= limit;
      if (!isBlocked) hits.push(now + ttl);
      const timeToBlockExpire = hits.size ? Math.ceil((hits.oldest - now) / 1_000) : timeToExpire;
      return { totalHits: hits.size + (isBlocked ? 1 : 0), timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToBlockExpire : 0 };
    }
    if (!bucket.isBlocked) hits.push(now + ttl);
    if (hits.size > limit && !bucket.isBlocked) {
      bucket.isBlocked = true;
      bucket.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = Math.ceil((bucket.blockExpiresAt - now) / 1_000);
    if (timeToBlockExpire <= 0 && bucket.isBlocked) {
      bucket.isBlocked = false;
      hits.clear();
      hits.push(now + ttl);
    }
    return { totalHits: hits.size, timeToExpire, isBlocked: bucket.isBlocked, timeToBlockExpire };
  }

  /** Forgets buckets with nothing left to count, so idle sources do not pile up. */
  evictIdle(now = Date.now()): void {
    for (const [key, bucket] of this.buckets) {
      if ((bucket.isBlocked && bucket.blockExpiresAt > now) || bucket.expiresAt > now) continue;
      let live = false;
      for (const hits of bucket.hits.values()) {
        hits.prune(now);
        if (hits.size > 0) live = true;
      }
      if (!live) this.buckets.delete(key);
    }
  }

  onApplicationShutdown(): void {
    if (this.sweep) clearInterval(this.sweep);
    this.sweep = undefined;
    this.buckets.clear();
  }

  private ensureSweep(): void {
    if (this.sweep) return;
    this.sweep = setInterval(() => this.evictIdle(), this.sweepIntervalMs);
    this.sweep.unref();
  }
}

/**
 * Three limits per minute (issue 7, finding 6), checked before authentication so that a flood is
 * cut before it costs a lookup: per API key, per source address, and — much lower — per source
 * address for requests without a valid key, since those cost the sender nothing to repeat.
 */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  inject: [LEDGER_CONFIG, ApiKeyService],
  useFactory: (config: LedgerConfig, keys: ApiKeyService): ThrottlerModuleOptions => {
    const limits = config.rateLimits ?? DEFAULTS;
    const hashOf = (ctx: ExecutionContext) => keyHashOf(ctx.switchToHttp().getRequest<Request>());
    // One bucket per caller across all routes (the library's default key is per route).
    const generateKey = (_ctx: ExecutionContext, tracker: string, name: string) => `${name}:${tracker}`;
    return {
      storage: new LedgerThrottlerStorage(),
      throttlers: [
        {
          name: 'key',
          ttl: 60_000,
          limit: limits.perKeyPerMinute,
          generateKey,
          skipIf: (ctx) => !keys.isKnown(hashOf(ctx)),
          getTracker: (req) => `key:${(keyHashOf(req as Request) ?? '').slice(0, 32)}`,
        },
        { name: 'address', ttl: 60_000, limit: limits.perAddressPerMinute, generateKey, getTracker: (req) => `ip:${sourceOnce(req as Request)}` },
        {
          name: 'anonymous',
          ttl: ANON_TTL_MS,
          limit: limits.anonymousPerMinute,
          generateKey,
          skipIf: (ctx) => keys.isKnown(hashOf(ctx)) || COUNTED in ctx.switchToHttp().getRequest<Request>(),
          getTracker: (req) => `anon:${sourceOnce(req as Request)}`,
        },
      ],
    };
  },
});

/** 429 with Retry-After (seconds) and a problem body; the refusal is counted in the security stream's per-minute aggregate. */
@Injectable()
export class LedgerThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly security: SecurityLogService,
  ) {
    super(options, storage, reflector);
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire || detail.timeToExpire || 1));
    res.setHeader('Retry-After', String(retryAfter));
    await this.security.refusedAnonymous({ source: sourceOf(req), method: req.method, route: routeOf(req), reason: 'RATE_LIMITED' });
    throw new HttpException({ code: 'RATE_LIMITED', message: `too many requests; retry after ${retryAfter} s` }, 429);
  }
}

/** The longest a refusal waits for authenticated work under way (see keylessGate). */
export const REFUSAL_HOLD_MS = 100;
/** At most this many refusals are held back at once (see refusalDelayMs); past it they are answered at once. */
export const MAX_DELAYED_REFUSALS = 4096;

/** The API description, the console's static files and the liveness probe stay reachable during a flood. */
const EXEMPT_PATH = /^\/(docs|health|console)(\/|-json|$)/;

function refusal(retryAfter: number) {
  const detail = `too many requests without a valid API key; retry after ${retryAfter} s`;
  return { type: 'https://webir-ledger.example/problems/rate-limited', title: 'Too Many Requests', status: 429, detail, code: 'RATE_LIMITED', message: detail };
}

/**
 * The keyless budget checked before the body is read or Nest routes the request: a flood of
 * keyless requests over its limit is answered 429 at the cost of a header lookup, so it cannot
 * starve callers with a key. The counting is the library's (the same ThrottlerStorage bucket as
 * the guard's `anonymous` throttler); the guard then skips that bucket for the request.
 *
 * Checked first on the HTTP server itself (see keylessGate), so a refused request costs neither
 * Express's routing, nor the request logger, nor a response built through Express; this
 * middleware decides only what that gate left to it (a deployment behind a trusted proxy, whose
 * source address Express works out).
 */
export function earlyKeylessLimit(app: INestApplication) {
  const storage = app.get<ThrottlerStorage>(getStorageToken());
  const keys = app.get(ApiKeyService);
  const security = app.get(SecurityLogService);
  const config = app.get<LedgerConfig>(LEDGER_CONFIG);
  const limit = (config.rateLimits ?? DEFAULTS).anonymousPerMinute;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      if (COUNTED in req || keys.isKnown(keyHashOf(req)) || EXEMPT_PATH.test(req.path)) return next();
      const source = sourceOnce(req);
      const record = await storage.increment(anonStorageKey(source), ANON_TTL_MS, limit, ANON_TTL_MS, 'anonymous');
      (req as unknown as Record<symbol, boolean>)[COUNTED] = true;
      if (!record.isBlocked) return next();
      const retryAfter = Math.max(1, Math.ceil(record.timeToBlockExpire || record.timeToExpire || 1));
      await security.refusedAnonymous({ source, method: req.method, route: req.path, reason: 'RATE_LIMITED' });
      const delayMs = (config.rateLimits ?? DEFAULTS).refusalDelayMs ?? 0;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      res.setHeader('Retry-After', String(retryAfter));
      res.status(429).type('application/problem+json').json(refusal(retryAfter));
    } catch (error) {
      next(error);
    }
  };
}

/**
 * The same keyless budget on the HTTP server's 'request' event, ahead of Express: a source over its
 * keyless limit is answered 429 with Retry-After by writeHead/end, and the refusal is counted in
 * the security stream's per-minute aggregate as before. Requests with a known key, exempt paths,
 * keyless requests within the budget (which go on to their 401) and whatever this gate cannot
 * decide exactly as Express would are handed to Express untouched.
 */
export function keylessGate(app: INestApplication): void {
  const server = app.getHttpServer() as Server;
  const express = app.getHttpAdapter().getInstance() as { get(setting: string): unknown };
  const storage = app.get<ThrottlerStorage>(getStorageToken());
  const keys = app.get(ApiKeyService);
  const security = app.get(SecurityLogService);
  const config = app.get<LedgerConfig>(LEDGER_CONFIG);
  const limit = (config.rateLimits ?? DEFAULTS).anonymousPerMinute;
  const delayMs = (config.rateLimits ?? DEFAULTS).refusalDelayMs ?? 0;
  let delayed = 0;
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  const pass = (req: IncomingMessage, res: ServerResponse) => {
    for (const handler of handlers) handler.call(server, req, res);
  };
  const bodies = new Map<number, string>();
  const refuse = async (req: IncomingMessage, res: ServerResponse, source: string, route: string, retryAfter: number) => {
    try {
      await security.refusedAnonymous({ source, method: req.method ?? '', route, reason: 'RATE_LIMITED' });
    } catch {
      // Recording failed: let the full pipeline answer (and report) this request instead.
      return pass(req, res);
    }
    let body = bodies.get(retryAfter);
    if (body === undefined) bodies.set(retryAfter, (body = JSON.stringify(refusal(retryAfter))));
    res.writeHead(429, { 'Content-Type': 'application/problem+json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Retry-After': String(retryAfter) });
    res.end(body);
  };

  // Authenticated work first: while requests with a known key are under way, refusals wait (at most
  // REFUSAL_HOLD_MS) and are answered once none is. A keyless flood's clients wait for their 429s
  // meanwhile instead of sending more, so the flood cannot take the event loop (nor the CPU) from
  // the callers the ledger is for; without authenticated traffic refusals are answered at once.
  let keyedInFlight = 0;
  let held: (() => void)[] = [];
  let holdTimer: NodeJS.Timeout | undefined;
  const release = () => {
    if (holdTimer) clearTimeout(holdTimer);
    holdTimer = undefined;
    const answers = held;
    held = [];
    for (const answer of answers) answer();
  };
  const keyedDone = () => {
    // After the answer in hand is on its way (this turn's I/O first).
    if (--keyedInFlight === 0 && held.length > 0) setImmediate(release);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    // Behind a trusted proxy the source is Express's to work out; an absolute-form URL is its to parse.
    if (express.get('trust proxy') || !url.startsWith('/') || !(storage instanceof LedgerThrottlerStorage)) return pass(req, res);
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (EXEMPT_PATH.test(path)) return pass(req, res);
    if (keys.isKnown(presentedKey(req).hash)) {
      keyedInFlight += 1;
      res.once('close', keyedDone);
      return pass(req, res);
    }
    const source = req.socket.remoteAddress ?? 'unknown';
    const record = storage.incrementNow(anonStorageKey(source), ANON_TTL_MS, limit, ANON_TTL_MS, 'anonymous');
    const marks = req as unknown as Record<symbol, unknown>;
    marks[COUNTED] = true;
    marks[SOURCE] = source;
    if (!record.isBlocked) return pass(req, res);
    const answer = () => void refuse(req, res, source, path, Math.max(1, Math.ceil(record.timeToBlockExpire || record.timeToExpire || 1)));
    // A source already over its budget is answered slowly (as nginx's limit_req delays excess
    // requests): each of its connections then sends a few requests a second instead of thousands,
    // so a flood costs the server, and the callers with a key, next to nothing. Bounded, so that
    // held sockets cannot pile up without limit.
    if (delayMs > 0 && delayed < MAX_DELAYED_REFUSALS) {
      delayed += 1;
      setTimeout(() => {
        delayed -= 1;
        answer();
      }, delayMs);
      return;
    }
    if (keyedInFlight === 0) return answer();
    held.push(answer);
    holdTimer ??= setTimeout(release, REFUSAL_HOLD_MS);
  });
}
