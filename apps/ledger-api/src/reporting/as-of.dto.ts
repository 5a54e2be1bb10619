import { BadRequestException, HttpException, HttpStatus } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Request, Response } from 'express';
import type { ProjectionRunner } from '@ledger/read-models';
import { asOfInstant } from '@ledger/projections';

export const AS_OF_KINDS = ['business-date', 'ledger-time'] as const;
export type AsOfKind = (typeof AS_OF_KINDS)[number];

const TIME_VALUE = 'a date YYYY-MM-DD (the end of that Asia/Taipei day) or an ISO-8601 instant with its UTC offset (Z or +08:00)';

/** Business time, ledger time and a minimum position: the same three on every read of a read model. */
export class AsOfQueryDto {
  @ApiPropertyOptional({
    example: '2025-06-30',
    description: `Business time: what was in force then (a post change from its effective date). ${TIME_VALUE}; an offset-less time is refused. Omit for now.`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  asOf?: string;

  @ApiPropertyOptional({
    example: '2025-07-01T09:00:00+08:00',
    description: `Ledger time: answer as the ledger knew it then (events recorded by knownAt). ${TIME_VALUE}. With asOf: in force on asOf as known at knownAt.`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  knownAt?: string;

  @ApiPropertyOptional({ enum: AS_OF_KINDS, description: 'Older form: business-date (default) reads asOf as business time; ledger-time reads asOf as knownAt=asOf' })
  @IsOptional()
  @IsIn(AS_OF_KINDS)
  asOfKind?: AsOfKind;

  @ApiPropertyOptional({
    example: '1204',
    description: 'Read your writes: the `position` a command returned (also header X-Min-Position). The read waits up to LEDGER_READ_WAIT_MS for its read model to pass it, else 503 with Retry-After.',
  })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'minPosition must be a global position (a non-negative integer)' })
  minPosition?: string;
}

export type TimeKind = 'now' | 'business-date' | 'ledger-time' | 'bitemporal';

/** What a read is asked about: `at` in business time, `knownAt` in ledger time (undefined = as known now). */
export interface TimeSelection {
  kind: TimeKind;
  at?: string;
  knownAt?: string;
}

function instant(field: string, value: string): string {
  const at = asOfInstant(value);
  if (!at) throw fieldError(field, `must be ${TIME_VALUE}`);
  return at;
}

/** The instants a read names, or a 400 that names the field. */
export function parseTimes(dto: Pick<AsOfQueryDto, 'asOf' | 'asOfKind' | 'knownAt'>): TimeSelection {
  const knownAt = dto.knownAt === undefined ? undefined : instant('knownAt', dto.knownAt);
  if (dto.asOf === undefined) {
    if (dto.asOfKind) throw fieldError('asOf', 'asOfKind needs asOf');
    return knownAt === undefined ? { kind: 'now' } : { kind: 'ledger-time', at: knownAt, knownAt };
  }
  const at = instant('asOf', dto.asOf);
  if (dto.asOfKind === 'ledger-time') {
    if (knownAt !== undefined) throw fieldError('knownAt', 'give knownAt alone, or asOf with knownAt, not asOfKind=ledger-time with knownAt');
    return { kind: 'ledger-time', at, knownAt: at };
  }
  return knownAt === undefined ? { kind: 'business-date', at } : { kind: 'bitemporal', at, knownAt };
}

/** Older callers: the instant an "as of" names. */
export function parseAsOf(dto: Pick<AsOfQueryDto, 'asOf' | 'asOfKind'>): string | undefined {
  return parseTimes(dto).at;
}

export function fieldError(field: string, message: string): BadRequestException {
  return new BadRequestException({ code: 'VALIDATION_FAILED', message: `${field}: ${message}`, fields: [{ field, rule: 'format', message }] });
}

export const MIN_POSITION_HEADER = 'x-min-position';
export const MIN_POSITION_DOC = {
  name: 'X-Min-Position',
  required: false,
  description: 'Read your writes: same as the minPosition query parameter (400 when beyond the ledger head; 503 with Retry-After when the read model cannot reach it in time)',
};

/**
 * Read your writes (as Marten's non-stale queries): waits up to `waitMs` for every named read model
 * to pass the minimum position from the query or the X-Min-Position header, else 503 + Retry-After.
 */
export async function awaitMinPosition(
  req: Request,
  res: Response,
  query: { minPosition?: string },
  runners: readonly ProjectionRunner[],
  names: readonly string[],
  waitMs: number,
): Promise<void> {
  const header = req.headers[MIN_POSITION_HEADER];
  const raw = query.minPosition ?? (Array.isArray(header) ? header[0] : header);
  if (raw === undefined || raw === '') return;
  if (!/^\d{1,19}$/.test(raw)) throw fieldError(query.minPosition !== undefined ? 'minPosition' : 'X-Min-Position', 'must be a global position (a non-negative integer)');
  const target = BigInt(raw);
  const waiting = runners.filter((r) => names.includes(r.name));
  // A position the ledger has not reached is a wrong request, not a read model running late.
  const head = waiting.length > 0 ? (await waiting[0].status()).headPosition : null;
  if (head !== null && target > BigInt(head)) {
    throw fieldError(
      query.minPosition !== undefined ? 'minPosition' : 'X-Min-Position',
      `position ${raw} is beyond the ledger's head (${head}); use the position a command response returned`,
    );
  }
  const passed = await Promise.all(waiting.map((r) => r.waitFor(target, waitMs)));
  if (passed.every(Boolean)) return;
  const behind = waiting.filter((_, i) => !passed[i]).map((r) => r.name);
  res.setHeader('Retry-After', '1');
  throw new HttpException(
    {
      code: 'READ_MODEL_BEHIND',
      message: `the read model (${behind.join(', ')}) has not reached position ${raw} within ${waitMs} ms; retry later`,
      retryAfterSeconds: 1,
    },
    HttpStatus.SERVICE_UNAVAILABLE,
  );
}
