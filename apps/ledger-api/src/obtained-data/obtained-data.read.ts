import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { OpenDeletion, openDeletions, rocDate, taipeiDate } from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { assertAgencyScope, AuthedRequest, Roles } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';
import { CLOCK, Clock, PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { awaitMinPosition, fieldError, MIN_POSITION_DOC } from '../reporting/as-of.dto';
import { toCsv } from '../reporting/csv';
import { OpenDeletionsQueryDto } from './obtained-data.dto';

const END_REASON: Record<string, string> = { USE_COMPLETE: '使用完竣(要點 十一(二)2)', BASIS_LAPSED: '依據失效(要點 十一(二)3)' };

@ApiTags('obtained data')
@ApiSecurity('api-key')
@Controller('obtained-data')
export class ObtainedDataReadController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly security: SecurityLogService,
  ) {}

  @Get('open-deletions')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary: 'Open deletions (要點 十一(二)(三)): obtained data whose use ended and that still has a copy, backup, derived or temporary file, earliest due first; JSON or CSV',
    description: 'auditor and ethics read every agency; an integrator names one of its agencies. `overdue` is judged on today\'s Asia/Taipei date. CSV: UTF-8 with BOM, Traditional Chinese headers, ROC dates.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        today: '2025-08-02', count: 1,
        openDeletions: [{
          recordId: 'SWD001_2025_OD_001', agencyCode: 'SWD001', status: 'USE_ENDED', registrationCount: 2, obtainedOn: '2025-03-05', endedOn: '2025-07-01', endReason: 'USE_COMPLETE',
          deletionDueDate: '2025-08-01', deletionDueDateRoc: '民國114年08月01日', remainingCopyIds: ['nightly_backup'], temporaryFilesCleared: true, overdue: true,
        }],
      },
    },
  })
  @ApiHeader(MIN_POSITION_DOC)
  async openDeletions(@Query() query: OpenDeletionsQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    const p = req.principal;
    if (!p.roles.some((r) => ['auditor', 'ethics', 'admin'].includes(r))) {
      if (!query.agency) throw fieldError('agency', 'an integrator must name one of its agencies');
      await assertAgencyScope(this.security, req, query.agency);
    }
    await awaitMinPosition(req, res, query, this.runners, ['obtained_data'], this.config.readWaitMs);
    const today = taipeiDate(this.clock());
    const open = await openDeletions(this.readModels, { agencyCode: query.agency, today });
    if (query.format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="open-deletions-${query.agency ?? 'all'}-${today}.csv"`);
      return csvOf(open);
    }
    return { today, count: open.length, openDeletions: open.map((d) => ({ ...d, deletionDueDateRoc: rocDate(d.deletionDueDate) })) };
  }
}

function csvOf(rows: OpenDeletion[]): string {
  return toCsv([
    ['機關代號', '取得資料編號', '查詢登記筆數', '取得日期', '法律依據', '使用期限', '使用期限依據', '法定保存期限', '使用結束日期', '結束原因', '應刪除日期', '尚未刪除之複本', '暫存檔已清除', '已逾期'],
    ...rows.map((d) => [
      d.agencyCode,
      d.recordId,
      d.registrationCount,
      rocDate(d.obtainedOn),
      d.legalBasis,
      rocDate(d.useUntil),
      d.useBasis,
      rocDate(d.retentionUntil),
      rocDate(d.endedOn),
      d.endReason ? (END_REASON[d.endReason] ?? d.endReason) : '',
      rocDate(d.deletionDueDate),
      d.remainingCopyIds.join(' '),
      d.temporaryFilesCleared ? '是' : '否',
      d.overdue ? '是' : '否',
    ]),
  ]);
}
