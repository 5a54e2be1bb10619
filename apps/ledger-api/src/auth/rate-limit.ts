import { ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerModule, ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { LEDGER_CONFIG, LedgerConfig } from '@ledger/platform';
import { ApiKeyService } from './api-key.service';
import { routeOf, sourceOf } from './auth.guard';
import { SecurityLogService } from './security-log.service';

const DEFAULTS = { perKeyPerMinute: 100_000, perAddressPerMinute: 200_000, anonymousPerMinute: 60 };
const keyOf = (req: Request): string | undefined => req.header('x-api-key') ?? req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? undefined;

/**
 * Three limits per minute (issue 7, finding 6), checked before authentication so that a flood is
 * cut before it costs a lookup: per API key, per source address, and — much lower — per source
 * address for requests without a valid key, since those cost the sender nothing to repeat.
 */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  inject: [LEDGER_CONFIG, ApiKeyService],
  useFactory: (config: LedgerConfig, keys: ApiKeyService): ThrottlerModuleOptions => {
    const limits = config.rateLimits ?? DEFAULTS;
    const raw = (ctx: ExecutionContext) => keyOf(ctx.switchToHttp().getRequest<Request>());
    // One bucket per caller across all routes (the library's default key is per route).
    const generateKey = (_ctx: ExecutionContext, tracker: string, name: string) => `${name}:${tracker}`;
    return {
      throttlers: [
        {
          name: 'key',
          ttl: 60_000,
          limit: limits.perKeyPerMinute,
          generateKey,
          skipIf: (ctx) => !keys.isKnown(raw(ctx)),
          getTracker: (req) => `key:${createHash('sha256').update(keyOf(req as Request) ?? '').digest('hex').slice(0, 32)}`,
        },
        { name: 'address', ttl: 60_000, limit: limits.perAddressPerMinute, generateKey, getTracker: (req) => `ip:${sourceOf(req as Request)}` },
        { name: 'anonymous', ttl: 60_000, limit: limits.anonymousPerMinute, generateKey, skipIf: (ctx) => keys.isKnown(raw(ctx)), getTracker: (req) => `anon:${sourceOf(req as Request)}` },
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
