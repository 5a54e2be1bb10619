import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Response } from 'express';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { findIncidents, IncidentDocument, rocDate, taipeiDate } from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { assertAgencyScope, AuthedRequest, Roles } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';
import { PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { awaitMinPosition, fieldError, MIN_POSITION_DOC } from '../reporting/as-of.dto';
import { toCsv } from '../reporting/csv';
import { AGENCY_CODE } from '../access/shared/validators';

export class IncidentsQueryDto {
  @ApiPropertyOptional({ example: 'SWD001', description: 'Required for an integrator (one of its agencies)' })
  @IsOptional()
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency?: string;

  @ApiPropertyOptional({ enum: ['OPEN', 'CLOSED'] })
  @IsOptional()
  @IsIn(['OPEN', 'CLOSED'])
  status?: 'OPEN' | 'CLOSED';

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional({ example: '1204' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'minPosition must be a global position (a non-negative integer)' })
  minPosition?: string;
}

const ACTION_NAMES: Record<string, string> = { EMERGENCY_RESPONSE: '緊急應變', INVESTIGATION: '事故調查', RESPONSIBILITY: '責任釐清', CONTAINMENT: '防免損害擴大' };
/** Minutes in Asia/Taipei, with the ROC date: instants matter here (即時). */
const rocInstant = (iso: string | null) => (iso ? `${rocDate(taipeiDate(iso))} ${new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(11, 16)}` : '');

@ApiTags('incidents')
@ApiSecurity('api-key')
@Controller('incidents')
export class IncidentReadController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly security: SecurityLogService,
  ) {}

  @Get()
  @Roles('auditor', 'ethics', 'integrator')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary: 'Security incidents and suspected incidents (要點 十二(十)) by agency and status, newest discovery first; JSON or CSV',
    description: 'auditor and ethics read every agency; an integrator names one of its agencies. CSV: UTF-8 with BOM, Traditional Chinese headers, ROC dates with Taipei times.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        count: 1,
        incidents: [{
          incidentId: 'SWD001_2025_INC_01', agencyCode: 'SWD001', status: 'OPEN', suspected: true, summary: '承辦人電腦疑遭惡意程式感染', discoveredAt: '2025-07-01T01:10:00.000Z',
          noticeDueAt: '2025-07-01T02:10:00.000Z', bliNotifiedAt: '2025-07-01T02:00:00.000Z', noticeOnTime: true, actions: ['EMERGENCY_RESPONSE'], closedAt: null, conclusion: null,
        }],
      },
    },
  })
  @ApiHeader(MIN_POSITION_DOC)
  async list(@Query() query: IncidentsQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    const p = req.principal;
    if (!p.roles.some((r) => ['auditor', 'ethics', 'admin'].includes(r))) {
      if (!query.agency) throw fieldError('agency', 'an integrator must name one of its agencies');
      await assertAgencyScope(this.security, req, query.agency);
    }
    await awaitMinPosition(req, res, query, this.runners, ['incidents'], this.config.readWaitMs);
    const incidents = await findIncidents(this.readModels, { agencyCode: query.agency, status: query.status });
    if (query.format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="incidents-${query.agency ?? 'all'}.csv"`);
      return csvOf(incidents);
    }
    return { count: incidents.length, incidents };
  }
}

function csvOf(rows: IncidentDocument[]): string {
  return toCsv([
    ['機關代號', '事故編號', '疑似事故', '發現時間', '應通報勞保局時限', '通報勞保局時間', '即時通報', '已辦理事項', '狀態', '結案時間', '結論', '摘要'],
    ...rows.map((i) => [
      i.agencyCode,
      i.incidentId,
      i.suspected ? '是' : '否',
      rocInstant(i.discoveredAt),
      rocInstant(i.noticeDueAt),
      rocInstant(i.bliNotifiedAt),
      i.noticeOnTime === null ? '' : i.noticeOnTime ? '是' : '否',
      i.actions.map((a) => ACTION_NAMES[a] ?? a).join('、'),
      i.status === 'OPEN' ? '處理中' : '已結案',
      rocInstant(i.closedAt),
      i.conclusion === null ? '' : i.conclusion === 'CONFIRMED' ? '確認為事故' : '非事故',
      i.summary,
    ]),
  ]);
}
