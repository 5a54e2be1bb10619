import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { ValidationError } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import type { PersonalDataProtector } from '@ledger/personal-data';
import { ROSTER, RosterEntry } from '@ledger/projections';
import type { ReadModelStore } from '@ledger/read-models';
import { AuthedRequest, Roles } from '../auth/auth.guard';
import { CommandDto } from '../common/command.dto';
import { CLOCK, Clock, EVENT_STORE, PERSONAL_DATA, READ_MODELS } from '../infrastructure/event-store.provider';
import { EXAMPLE_PERSON_ID, IsOpaquePersonId, IsTaiwanId } from '../access/shared/validators';
import { ERASURE_REMAINS, erasePerson, ErasureReceipt } from './erasure.service';

export class ErasePersonDto extends CommandDto {
  @ApiPropertyOptional({ example: EXAMPLE_PERSON_ID, description: "The ledger's random person id; or give nationalId" })
  @IsOptional()
  @IsOpaquePersonId()
  personId?: string;

  @ApiPropertyOptional({ example: 'A123456789', description: 'Looked up in the blind index of the key vault; never stored or echoed' })
  @IsOptional()
  @IsTaiwanId()
  nationalId?: string;

  @ApiProperty({ example: '個人資料保護法第11條第3項: 特定目的消失', description: 'Legal ground of the erasure (no personal data)' })
  @IsString()
  @MinLength(4)
  @MaxLength(500)
  reason!: string;

  @ApiPropertyOptional({ example: '臺北地方法院114年度訴字第1號判決', description: 'Legal ground to erase while a 5-year retention duty still runs' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  legalOverride?: string;
}

@ApiTags('erasure')
@ApiSecurity('api-key')
@Controller('erasures')
export class ErasureController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PERSONAL_DATA) private readonly protector: PersonalDataProtector,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary: "Erase a person (要點 十一): destroys their data key and blind-index rows, appends PersonErased, returns a receipt",
    description:
      'Refused with 422 RETENTION_DUTY_RUNNING while a 5-year retention duty runs (要點 五(三)、六(六)、九(二)、十一(三)、十二(十一)) unless legalOverride is given; 422 PERSON_ALREADY_ERASED once done.',
  })
  @ApiCreatedResponse({
    schema: {
      example: {
        receiptId: '6f1c…', streamId: `erasure-${EXAMPLE_PERSON_ID}`, position: '812', personId: EXAMPLE_PERSON_ID, erasedOn: '2031-01-10',
        retentionUntil: '2030-07-01', legalOverride: null, accounts: 2, dataKeyDestroyed: true, blindIndexDeleted: true, remains: ERASURE_REMAINS,
      },
    },
  })
  async erase(@Body() dto: ErasePersonDto, @Req() req: AuthedRequest): Promise<ErasureReceipt> {
    if ((dto.personId === undefined) === (dto.nationalId === undefined)) throw new ValidationError('personId', 'give exactly one of personId and nationalId');
    return erasePerson(
      {
        store: this.store,
        protector: this.protector,
        clock: this.clock,
        lastReviewedAt: async (accountId) => (await this.readModels.get<RosterEntry>(ROSTER.accounts, accountId))?.lastReviewedAt ?? null,
      },
      { personId: dto.personId, nationalId: dto.nationalId, reason: dto.reason, legalOverride: dto.legalOverride, actor: req.principal.id, commandId: dto.commandId },
    );
  }
}
