import { Controller, Get, Inject, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { OBLIGATION_KINDS, obligationCounts, ObligationCounts, ObligationKind, obligationPages, obligationsPage, ObligationState, ObligationView, rocDate } from '@ledger/projections';
import { taipeiDateOf } from '@ledger/domain';
import { csvLine } from '@ledger/package/csv';
import { toCsv } from './csv';
import { PageLimit } from '../access/shared/validators';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { assertAgencyScope, AuthedRequest, Roles } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';
import { CLOCK, Clock, PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { AsOfQueryDto, awaitMinPosition, fieldError, MIN_POSITION_DOC, parseTimes } from './as-of.dto';

// A cursor carries the sort key, so a page boundary holds even if the obligation at it changed state.
const PAGE_CURSOR = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|[A-Z_]{1,64}:[^\s|]{1,400}$/;
const DEFAULT_PAGE = 500;

const pageKey = (o: ObligationView) => `${o.dueAt}|${o.obligationId}`;
/** The cursor's two keys: the due time is fixed-width, so (dueAt, obligationId) order is the order of the text `dueAt|obligationId`. */
const parseCursor = (after: string) => ({ dueAt: after.slice(0, after.indexOf('|')), obligationId: after.slice(after.indexOf('|') + 1) });
/** Rows per store read of a CSV export: the export never holds more than this many obligations. */
const CSV_PAGE = 2000;

export class ObligationsQueryDto extends AsOfQueryDto {
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

  @ApiPropertyOptional({ enum: ['json', 'csv', 'counts-csv'], default: 'json', description: 'csv: one row per obligation, streamed in (due time, obligation id) order; counts-csv: per agency and kind, how many are open, overdue, met and met late (UTF-8 with BOM, Traditional Chinese headers, ROC dates)' })
  @IsOptional()
  @IsIn(['json', 'csv', 'counts-csv'])
  format?: 'json' | 'csv' | 'counts-csv';

  @PageLimit(DEFAULT_PAGE, '; JSON only (CSV exports are whole, streamed)')
  limit?: number;

  @ApiPropertyOptional({ example: '2025-06-30T15:59:59.999Z|ADJUST_OR_REMOVE_MOVED_USER:SWD001.USER.3b1f…:388', description: '`next` of the previous page (order: due time, then obligation id)' })
  @IsOptional()
  @Matches(PAGE_CURSOR, { message: 'after must be the `next` cursor of a previous page' })
  after?: string;
}

const STATE_LABELS: Record<ObligationState, string> = { open: '辦理中', overdue: '逾期未辦', met: '已完成' };
const taipeiTime = (instant: string | null) => (instant ? `${rocDate(taipeiDateOf(instant))} ${new Date(Date.parse(instant) + 8 * 3600_000).toISOString().slice(11, 19)}` : '');

const CSV_HEADERS = ['機關代碼', '義務種類', '要點', '義務名稱', '對象', '到期日', '狀態', '逾期完成', '完成時間(臺北)', '建立事件', '完成事件'];
const csvRow = (o: ObligationView) =>
  csvLine([o.agencyCode, o.kind, o.rule, o.title, o.subject, rocDate(o.dueDate), STATE_LABELS[o.state], o.metLate ? '是' : '否', taipeiTime(o.metAt), `${o.createdBy.streamId}#${o.createdBy.position}`, o.metBy ? `${o.metBy.streamId}#${o.metBy.position}` : '']) + '\r\n';

/**
 * The export a page at a time, byte for byte what toCsv gives for the whole list (BOM, CRLF). The
 * first page is read before the response starts, so a store that fails at once still answers with
 * a problem document rather than an empty file.
 */
export async function obligationsCsv(pages: AsyncGenerator<ObligationView[]>): Promise<Readable> {
  const first = await pages.next();
  async function* chunks() {
    yield '\uFEFF' + csvLine(CSV_HEADERS) + '\r\n';
    if (first.done) return;
    yield first.value.map(csvRow).join('');
    for await (const page of pages) yield page.map(csvRow).join('');
  }
  return Readable.from(chunks(), { objectMode: false });
}

function countsCsv(counts: ObligationCounts): string {
  const rows: (string | number)[][] = [];
  for (const [agency, byKind] of Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [kind, c] of Object.entries(byKind)) rows.push([agency, kind, OBLIGATION_KINDS[kind as ObligationKind].rule, OBLIGATION_KINDS[kind as ObligationKind].title, c.open, c.overdue, c.met, c.metLate]);
  }
  return toCsv([['機關代碼', '義務種類', '要點', '義務名稱', '辦理中', '逾期未辦', '已完成', '其中逾期完成'], ...rows]);
}

@ApiTags('reports')
@ApiSecurity('api-key')
@Controller('obligations')
export class ObligationsController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly security: SecurityLogService,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Get()
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({
    summary: 'Obligations the ledger tracks (要點 六、七、九、十、十二), open / met / overdue at now or a past time, with counts per agency and kind; JSON or CSV',
    description: 'Each obligation is filed under the body that owes it (九(三) usage reviews under the central admin). `asOf` judges states at a business time; `knownAt` as the ledger knew it then; both together: due and met on asOf as known at knownAt.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        asOf: { kind: 'now', at: '2025-07-01T01:00:00.000Z' }, count: 1,
        counts: { SWD001: { ADJUST_OR_REMOVE_MOVED_USER: { open: 0, overdue: 1, met: 0, metLate: 0 } } },
        obligations: [{
          obligationId: 'ADJUST_OR_REMOVE_MOVED_USER:SWD001.USER.3b1f…:388', agencyCode: 'SWD001', kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)',
          title: '使用者職務異動,於異動前或當日調整權限或刪除帳號', subject: 'SWD001.USER.3b1f…', dueDate: '2025-06-30', dueDateRoc: '民國114年06月30日', dueAt: '2025-06-30T15:59:59.999Z',
          createdAt: '2025-06-01T01:00:00.000Z', createdBy: { eventId: '…', streamId: 'account-SWD001.USER.3b1f…', position: '388', type: 'AccountPostChanged' },
          metAt: null, metBy: null, state: 'overdue', metLate: false, asOf: '2025-07-01T01:00:00.000Z',
        }],
      },
    },
  })
  @ApiHeader(MIN_POSITION_DOC)
  @ApiProduces('application/json', 'text/csv')
  async list(@Query() query: ObligationsQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    const p = req.principal;
    if (!p.roles.some((r) => ['auditor', 'ethics', 'admin'].includes(r))) {
      if (!query.agency) throw fieldError('agency', 'an integrator must name one of its agencies');
      await assertAgencyScope(this.security, req, query.agency);
    }
    const times = parseTimes(query);
    const at = times.at ?? this.clock().toISOString();
    await awaitMinPosition(req, res, query, this.runners, ['obligations'], this.config.readWaitMs);
    // The store judges states, counts and pages: no read holds every obligation (a month's WebIR log opens ~900,000).
    const judged = { at, knownAt: times.knownAt, agencyCode: query.agency, kind: query.kind, state: query.state };
    if (query.format === 'csv' || query.format === 'counts-csv') {
      const body = query.format === 'csv' ? new StreamableFile(await obligationsCsv(obligationPages(this.readModels, judged, CSV_PAGE))) : countsCsv(await obligationCounts(this.readModels, judged));
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="obligations${query.format === 'counts-csv' ? '-counts' : ''}-${taipeiDateOf(at)}.csv"`);
      // Headers are sent by then: a failure mid-export aborts the transfer, never ends a short file as if whole.
      if (body instanceof StreamableFile) body.setErrorHandler((_error, response) => void (response as Response).destroy());
      return body;
    }
    const limit = query.limit ?? DEFAULT_PAGE;
    const [page, counts] = await Promise.all([
      obligationsPage(this.readModels, judged, { limit, ...(query.after !== undefined && { after: parseCursor(query.after) }) }),
      obligationCounts(this.readModels, judged),
    ]);
    let count = 0;
    for (const byKind of Object.values(counts)) for (const c of Object.values(byKind)) count += c!.open + c!.overdue + c!.met;
    return {
      asOf: { kind: times.kind, at, ...(times.knownAt && { knownAt: times.knownAt }) },
      // count and counts cover every obligation the filters match; obligations is one page of them.
      count,
      // Per agency, per kind: open / overdue / met (metLate among the met), at the time judged.
      counts,
      obligations: page.obligations.map((o) => ({ ...o, dueDateRoc: rocDate(o.dueDate) })),
      next: page.more ? pageKey(page.obligations[page.obligations.length - 1]) : null,
    };
  }
}
