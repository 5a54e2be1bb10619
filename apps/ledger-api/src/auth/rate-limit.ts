import { ExecutionContext, HttpException, Injectable, INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { getStorageToken, InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerModule, ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { NextFunction, Request, Response } from 'express';
import { LEDGER_CONFIG, LedgerConfig } from '@ledger/platform';
import { ApiKeyService, presentedKey } from './api-key.service';
import { routeOf, sourceOf } from './auth.guard';
import { SecurityLogService } from './security-log.service';

const DEFAULTS = { perKeyPerMinute: 100_000, perAddressPerMinute: 200_000, anonymousPerMinute: 60 };
/** Set on a request whose keyless budget the early check has already counted, so the guard does not count it twice. */
const COUNTED = Symbol('anonymous-budget-counted');
const ANON_TTL_MS = 60_000;
const anonStorageKey = (source: string) => `anonymous:anon:${source}`;
const keyHashOf = (req: Request): string | undefined => presentedKey(req).hash;

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
      throttlers: [
        {
          name: 'key',
          ttl: 60_000,
          limit: limits.perKeyPerMinute,
          generateKey,
          skipIf: (ctx) => !keys.isKnown(hashOf(ctx)),
          getTracker: (req) => `key:${(keyHashOf(req as Request) ?? '').slice(0, 32)}`,
        },
        { name: 'address', ttl: 60_000, limit: limits.perAddressPerMinute, generateKey, getTracker: (req) => `ip:${sourceOf(req as Request)}` },
        {
          name: 'anonymous',
          ttl: ANON_TTL_MS,
          limit: limits.anonymousPerMinute,
          generateKey,
          skipIf: (ctx) => keys.isKnown(hashOf(ctx)) || COUNTED in ctx.switchToHttp().getRequest<Request>(),
          getTracker: (req) => `anon:${sourceOf(req as Request)}`,
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

/**
 * The keyless budget checked before the body is read or Nest routes the request: a flood of
 * keyless requests over its limit is answered 429 at the cost of a header lookup, so it cannot
 * starve callers with a key. The counting is the library's (the same ThrottlerStorage bucket as
 * the guard's `anonymous` throttler); the guard then skips that bucket for the request.
 */
export function earlyKeylessLimit(app: INestApplication) {
  const storage = app.get<ThrottlerStorage>(getStorageToken());
  const keys = app.get(ApiKeyService);
  const security = app.get(SecurityLogService);
  const config = app.get<LedgerConfig>(LEDGER_CONFIG);
  const limit = (config.rateLimits ?? DEFAULTS).anonymousPerMinute;
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      // The API description, the console's static files (a page load is several keyless requests; its
      // API calls carry the key) and the liveness probe stay reachable during a flood; Nest's guard
      // still limits health per address.
      if (keys.isKnown(keyHashOf(req)) || /^\/(docs|health|console)(\/|-json|$)/.test(req.path)) return next();
      const source = sourceOf(req);
      const record = await storage.increment(anonStorageKey(source), ANON_TTL_MS, limit, ANON_TTL_MS, 'anonymous');
      (req as unknown as Record<symbol, boolean>)[COUNTED] = true;
      if (!record.isBlocked) return next();
      const retryAfter = Math.max(1, Math.ceil(record.timeToBlockExpire || record.timeToExpire || 1));
      await security.refusedAnonymous({ source, method: req.method, route: req.path, reason: 'RATE_LIMITED' });
      res.setHeader('Retry-After', String(retryAfter));
      res.status(429).type('application/problem+json').json({
        type: 'https://webir-ledger.example/problems/rate-limited',
        title: 'Too Many Requests',
        status: 429,
        detail: `too many requests without a valid API key; retry after ${retryAfter} s`,
        code: 'RATE_LIMITED',
        message: `too many requests without a valid API key; retry after ${retryAfter} s`,
      });
    } catch (error) {
      next(error);
    }
  };
}
