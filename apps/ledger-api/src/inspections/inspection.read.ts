import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import type { Response } from 'express';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { findInspections } from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { assertAgencyScope, AuthedRequest, Roles } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';
import { PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { awaitMinPosition, fieldError, MIN_POSITION_DOC } from '../reporting/as-of.dto';
import { AGENCY_CODE } from '../access/shared/validators';

export class InspectionsQueryDto {
  @ApiPropertyOptional({ example: 'SWD001', description: 'Required for an integrator (one of its agencies)' })
  @IsOptional()
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency?: string;

  @ApiPropertyOptional({ example: '1204' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'minPosition must be a global position (a non-negative integer)' })
  minPosition?: string;
}

@ApiTags('BLI inspections')
@ApiSecurity('api-key')
@Controller('bli-inspections')
export class InspectionReadController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly security: SecurityLogService,
  ) {}

  @Get()
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({
    summary: "BLI inspections (要點 十二(五)) by agency, newest first: materials with the checkpoint each was drawn from, BLI's requests with their due dates and answers",
    description: 'auditor and ethics read every agency; an integrator names one of its agencies.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        count: 1,
        inspections: [{
          inspectionId: 'BLI_2025_SWD001', agencyCode: 'SWD001', startedOn: '2025-07-01', scope: '勞保WebIR使用情形實地稽核',
          materials: [{ materialId: 'roster_1', kind: 'ROSTER', providedOn: '2025-07-01', checkpointTreeSize: 1204 }],
          requests: [{ requestId: 'req_1', kind: 'IMPROVEMENT', receivedOn: '2025-07-10', dueDate: '2025-08-10', answeredAt: null, onTime: null }], openRequests: 1,
        }],
      },
    },
  })
  @ApiHeader(MIN_POSITION_DOC)
  async list(@Query() query: InspectionsQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    const p = req.principal;
    if (!p.roles.some((r) => ['auditor', 'ethics', 'admin'].includes(r))) {
      if (!query.agency) throw fieldError('agency', 'an integrator must name one of its agencies');
      await assertAgencyScope(this.security, req, query.agency);
    }
    await awaitMinPosition(req, res, query, this.runners, ['bli_inspections'], this.config.readWaitMs);
    const inspections = await findInspections(this.readModels, query.agency);
    return { count: inspections.length, inspections };
  }
}
