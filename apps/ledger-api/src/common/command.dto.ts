import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { parseInstant } from '@ledger/domain';
import type { CommandEnvelope } from './command-processor';
import { INSTANT_FORMAT, IsInstantWithOffset } from './time-fields';

/** Fields every command carries: its idempotency key and why/when it was sent. */
export class CommandDto {
  @ApiProperty({
    description:
      'Client-chosen UUID naming this request for the whole ledger (or send it as the `Idempotency-Key` header). ' +
      'A retry of the same request returns the first result and appends nothing; the id reused for a different request ' +
      '(another body, stream or sender) is refused with 422 COMMAND_ID_REUSED',
    example: '3f1c2a4e-8a6b-4c1d-9e2f-1a2b3c4d5e6f',
  })
  @IsUUID()
  commandId!: string;

  @ApiPropertyOptional({
    description: `Business time: when it happened in the world; defaults to the time received. ${INSTANT_FORMAT}. At most LEDGER_FUTURE_TOLERANCE_SECONDS ahead of the ledger clock (planned changes carry their own effective date instead), and not before the thing it acts on began (422).`,
    example: '2025-07-01T09:30:00+08:00',
  })
  @IsOptional()
  @IsInstantWithOffset()
  occurredAt?: string;

  @ApiPropertyOptional({ description: 'Correlation id of the business process ($correlationId); defaults to commandId' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  correlationId?: string;

  @ApiPropertyOptional({ description: 'Id of the message that caused this command ($causationId); defaults to commandId' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  causationId?: string;
}

export function envelopeOf(dto: CommandDto, actor: string): CommandEnvelope {
  return {
    commandId: dto.commandId,
    actor,
    occurredAt: dto.occurredAt ? normalisedInstant(dto.occurredAt) : undefined,
    correlationId: dto.correlationId,
    causationId: dto.causationId,
  };
}

function normalisedInstant(value: string): string {
  const parsed = parseInstant(value);
  // The DTO has validated it; a value reaching here unvalidated must not become Invalid Date.
  if (!parsed.ok) throw new Error(`occurredAt ${parsed.reason}`);
  return parsed.instant;
}
