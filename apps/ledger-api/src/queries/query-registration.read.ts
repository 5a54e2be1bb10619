import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { findQueryRegistrations, rocDate, taipeiDate } from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { assertAgencyScope, AuthedRequest, Roles } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';
import { PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { awaitMinPosition, fieldError, MIN_POSITION_DOC } from '../reporting/as-of.dto';
import { ACCOUNT_ID, AGENCY_CODE, MONTH, PageLimit, RECORD_ID } from '../access/shared/validators';


export class QueryRegistrationsQueryDto {
  @ApiPropertyOptional({ example: 'SWD001', description: 'Required for an integrator (one of its agencies)' })
  @IsOptional()
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency?: string;

  @ApiPropertyOptional({ description: 'Account id' })
  @IsOptional()
  @Matches(ACCOUNT_ID, { message: 'account must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  account?: string;

  @ApiPropertyOptional({ example: '2025-03', description: 'Month of the planned query time, in Asia/Taipei' })
  @IsOptional()
  @Matches(MONTH, { message: 'month must be YYYY-MM' })
  month?: string;

  @ApiPropertyOptional({ example: '114社救字第0123號', description: '案號, exact' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  caseNumber?: string;

  @ApiPropertyOptional({ description: '`next` of the previous page' })
  @IsOptional()
  @Matches(RECORD_ID, { message: 'after must be a registration id' })
  after?: string;

  @PageLimit(100)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'minPosition must be a global position (a non-negative integer)' })
  minPosition?: string;
}

@ApiTags('queries')
@ApiSecurity('api-key')
@Controller('query-registrations')
export class QueryRegistrationReadController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly security: SecurityLogService,
  ) {}

  @Get()
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({
    summary: 'Query registrations (要點 九(一)) by agency, account, Taipei month and case number, in pages; never with their subject',
    description: 'auditor and ethics read every agency; an integrator names one of its agencies. Pages follow registrationId; pass `next` as `after`.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        count: 1,
        next: null,
        registrations: [
          {
            registrationId: 'SWD001_2025_000123', agencyCode: 'SWD001', accountId: 'SWD001.USER.9f2c…', operationCode: 'LI_ENROLMENT',
            plannedAt: '2025-03-05T01:30:00.000Z', plannedDateRoc: '民國114年03月05日', month: '2025-03', caseNumber: '114社救字第0123號',
            reason: '低收入戶資格審查', registeredAt: '2025-03-05T01:20:00.000Z', position: '42',
          },
        ],
      },
    },
  })
  @ApiHeader(MIN_POSITION_DOC)
  async list(@Query() query: QueryRegistrationsQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    const p = req.principal;
    if (!p.roles.some((r) => ['auditor', 'ethics', 'admin'].includes(r))) {
      if (!query.agency) throw fieldError('agency', 'an integrator must name one of its agencies');
      await assertAgencyScope(this.security, req, query.agency);
    }
    await awaitMinPosition(req, res, query, this.runners, ['query_registrations'], this.config.readWaitMs);
    const page = await findQueryRegistrations(this.readModels, {
      agencyCode: query.agency,
      accountId: query.account,
      month: query.month,
      caseNumber: query.caseNumber,
      after: query.after,
      limit: query.limit ?? 100,
    });
    return {
      count: page.items.length,
      next: page.next,
      registrations: page.items.map((r) => ({ ...r, plannedDateRoc: rocDate(taipeiDate(r.plannedAt)) })),
    };
  }
}
