import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { OBLIGATION_KINDS, ObligationKind, obligationsAt, ObligationState, rocDate } from '@ledger/projections';
import type { ReadModelStore } from '@ledger/read-models';
import { assertAgencyScope, AuthedRequest, Roles } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';
import { CLOCK, Clock, READ_MODELS } from '../infrastructure/event-store.provider';
import { fieldError, parseAsOf } from './as-of.dto';

export class ObligationsQueryDto {
  @ApiPropertyOptional({ enum: ['open', 'met', 'overdue'] })
  @IsOptional()
  @IsIn(['open', 'met', 'overdue'])
  state?: ObligationState;

  @ApiPropertyOptional({ example: 'SWD001' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]{1,32}$/, { message: 'agency must be an agency code' })
  agency?: string;

  @ApiPropertyOptional({ enum: Object.keys(OBLIGATION_KINDS) })
  @IsOptional()
  @IsIn(Object.keys(OBLIGATION_KINDS))
  kind?: ObligationKind;

  @ApiPropertyOptional({ example: '2025-06-30', description: 'Judge states at the end of this Asia/Taipei day (or this instant) instead of now' })
  @IsOptional()
  asOf?: string;
}

@ApiTags('reports')
@ApiSecurity('api-key')
@Controller('obligations')
export class ObligationsController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly security: SecurityLogService,
  ) {}

  @Get()
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({ summary: 'Obligations the ledger tracks (要點 六、七、九(三)、十(二)), open / met / overdue at now or a past time' })
  async list(@Query() query: ObligationsQueryDto, @Req() req: AuthedRequest) {
    const p = req.principal;
    if (!p.roles.some((r) => ['auditor', 'ethics', 'admin'].includes(r))) {
      if (!query.agency) throw fieldError('agency', 'an integrator must name one of its agencies');
      await assertAgencyScope(this.security, req, query.agency);
    }
    const at = parseAsOf({ asOf: query.asOf }) ?? this.clock().toISOString();
    const obligations = await obligationsAt(this.readModels, { at, agencyCode: query.agency, kind: query.kind, state: query.state });
    return {
      asOf: { kind: query.asOf ? 'business-date' : 'now', at },
      count: obligations.length,
      obligations: obligations.map((o) => ({ ...o, dueDateRoc: rocDate(o.dueDate) })),
    };
  }
}
