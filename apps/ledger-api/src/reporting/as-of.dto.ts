import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { asOfInstant } from '@ledger/projections';

export const AS_OF_KINDS = ['business-date', 'ledger-time'] as const;
export type AsOfKind = (typeof AS_OF_KINDS)[number];

export class AsOfQueryDto {
  @ApiPropertyOptional({ example: '2025-06-30', description: 'A business date (end of that Asia/Taipei day) or an ISO instant; omit for now' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  asOf?: string;

  @ApiPropertyOptional({ enum: AS_OF_KINDS, description: 'business-date: what had occurred by then, as known now (default); ledger-time: what the ledger had recorded by then' })
  @IsOptional()
  @IsIn(AS_OF_KINDS)
  asOfKind?: AsOfKind;
}

/** The instant an "as of" names, or a 400 that names the field. */
export function parseAsOf(dto: AsOfQueryDto): string | undefined {
  if (dto.asOf === undefined) {
    if (dto.asOfKind) throw fieldError('asOf', 'asOfKind needs asOf');
    return undefined;
  }
  let at: string | undefined;
  try {
    at = asOfInstant(dto.asOf);
  } catch {
    // An impossible date (2025-13-01) is invalid input, not a server error.
    at = undefined;
  }
  if (!at) throw fieldError('asOf', 'must be a date YYYY-MM-DD or an ISO-8601 instant');
  return at;
}

export function fieldError(field: string, message: string): BadRequestException {
  return new BadRequestException({ code: 'VALIDATION_FAILED', message: `${field}: ${message}`, fields: [{ field, rule: 'format', message }] });
}
