import { Body, Controller, ForbiddenException, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { Response } from 'express';
import { NotFoundError, parseQueryLogImportId, rocDate } from '@ledger/domain';
import { validateTaiwanId, type PersonalDataProtector } from '@ledger/personal-data';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import {
  findLoggedQueries,
  LoggedQueryDocument,
  QUERY_LOGS_PROJECTION,
  queryLogImport,
  queryLogImports,
  reconciliationSummary,
  rejectedLines,
  taipeiDate,
} from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { assertAgencyScope, AuthedRequest, Roles } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';
import { CLOCK, Clock, PERSONAL_DATA, PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { ACCOUNT_ID, AGENCY_CODE, PageLimit } from '../access/shared/validators';
import { awaitMinPosition, fieldError, MIN_POSITION_DOC } from '../reporting/as-of.dto';
import { toCsv } from '../reporting/csv';
import { PersonalDataReadLog } from '../reporting/personal-data-reads.service';
import { IMPORT_ID, MONTH } from './query-logs.controller';

const READERS = ['auditor', 'ethics', 'admin'];
/** A logged query's sortKey (sortKeyOf): loggedAt, the import's start position and the line, both in base 36. */
const SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|[0-9a-z]{1,13}\.[0-9a-z]{6}$/;
const SEQ = /^[A-Za-z0-9_]{1,32}\.[0-9a-f]{32}\.\d{9}$/;

class PageDto {
  @PageLimit(100)
  limit?: number;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json', description: 'CSV: UTF-8 with BOM, Traditional Chinese headers, ROC dates; the next page in the X-Next-After header' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'minPosition must be a global position (a non-negative integer)' })
  minPosition?: string;
}

export class LoggedQueriesQueryDto extends PageDto {
  @ApiPropertyOptional({ example: 'SWD001', description: 'Required for an integrator (one of its agencies)' })
  @IsOptional()
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency?: string;

  @ApiPropertyOptional({ description: 'Account id of the querying account' })
  @IsOptional()
  @Matches(ACCOUNT_ID, { message: 'account must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  account?: string;

  @ApiPropertyOptional({ example: '2025-03', description: 'Asia/Taipei month of the query' })
  @IsOptional()
  @Matches(MONTH, { message: 'month must be YYYY-MM' })
  month?: string;

  @ApiPropertyOptional({ example: '114社救字第0123號', description: '案號, exact' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  caseNumber?: string;

  @ApiPropertyOptional({ description: 'One imported file' })
  @IsOptional()
  @Matches(IMPORT_ID, { message: 'importId must be <agencyCode>.<32 hex digits>' })
  importId?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'false: the queries without a registration (UNREGISTERED_QUERY)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  registered?: 'true' | 'false';

  @ApiPropertyOptional({ description: '`next` of the previous page' })
  @IsOptional()
  @Matches(SORT_KEY, { message: 'after must be the next value of a previous page' })
  after?: string;
}

export class SubjectSearchDto {
  @ApiProperty({ example: 'A123456789', description: 'National ID or resident certificate number of the subject; sent in the body, never in a URL' })
  @IsString()
  @MinLength(8)
  @MaxLength(12)
  nationalId!: string;

  @ApiProperty({ example: '政風案件 114-007 查證', description: 'Why the reader needs it (recorded with the read)' })
  @IsString()
  @MinLength(2)
  @MaxLength(500)
  purpose!: string;

  @ApiPropertyOptional({ example: 'SWD001' })
  @IsOptional()
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency?: string;

  @ApiPropertyOptional({ example: '2025-03' })
  @IsOptional()
  @Matches(MONTH, { message: 'month must be YYYY-MM' })
  month?: string;

  @ApiPropertyOptional({ example: 100 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(SORT_KEY, { message: 'after must be the next value of a previous page' })
  after?: string;
}

export class ReconciliationQueryDto {
  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency!: string;

  @ApiProperty({ example: '2025-03', description: 'Asia/Taipei month' })
  @Matches(MONTH, { message: 'month must be YYYY-MM' })
  month!: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'minPosition must be a global position (a non-negative integer)' })
  minPosition?: string;
}

export class ImportsQueryDto {
  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency!: string;

  @ApiPropertyOptional({ example: '2025-03' })
  @IsOptional()
  @Matches(MONTH, { message: 'month must be YYYY-MM' })
  month?: string;
}

export class ImportIdParam {
  @ApiProperty({ example: `SWD001.${'3f9a0c1e'.repeat(4)}` })
  @Matches(IMPORT_ID, { message: 'importId must be <agencyCode>.<32 hex digits>' })
  importId!: string;
}

export class RejectedLinesQueryDto extends PageDto {
  @ApiPropertyOptional({ description: '`next` of the previous page' })
  @IsOptional()
  @Matches(SEQ, { message: 'after must be the next value of a previous page' })
  after?: string;
}

const OUTCOME_LABELS: Record<string, string> = { FOUND: '成功', NOT_FOUND: '查無資料', FAILED: '失敗' };
const rocDateTime = (instant: string) => `${rocDate(taipeiDate(instant))} ${new Date(Date.parse(instant) + 8 * 3600_000).toISOString().slice(11, 19)}`;

/** Reads of the WebIR log and its reconciliation (要點 九(一)(二)、十二(一)(五)) for auditors, 政風 and the agency itself. */
@ApiTags('query-logs')
@ApiSecurity('api-key')
@Controller()
export class QueryLogsReadController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(PERSONAL_DATA) private readonly protector: PersonalDataProtector,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly security: SecurityLogService,
    private readonly reads: PersonalDataReadLog,
  ) {}

  private isReader(req: AuthedRequest) {
    return req.principal.roles.some((r) => READERS.includes(r));
  }

  private async scopeTo(req: AuthedRequest, agency: string | undefined): Promise<void> {
    if (this.isReader(req)) return;
    if (!agency) throw fieldError('agency', 'an integrator must name one of its agencies');
    await assertAgencyScope(this.security, req, agency);
  }

  @Get('query-logs')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({ summary: 'Imported WebIR log files of an agency (要點 九(二)), by month: digest, encoding, counts, state (IMPORTING until complete)' })
  async imports(@Query() query: ImportsQueryDto, @Req() req: AuthedRequest) {
    await this.scopeTo(req, query.agency);
    return { imports: await queryLogImports(this.readModels, query.agency, query.month) };
  }

  @Get('query-logs/:importId')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({ summary: 'One imported file: digest, period, counts, matched, unregistered, explained' })
  async import(@Param() { importId }: ImportIdParam, @Req() req: AuthedRequest) {
    await this.scopeTo(req, parseQueryLogImportId(importId)?.agencyCode);
    const doc = await queryLogImport(this.readModels, importId);
    if (!doc) throw new NotFoundError('query log import', importId);
    return doc;
  }

  @Get('query-logs/:importId/rejected-lines')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({ summary: 'The rejected lines of an imported file: line number, code, field and reason (never the content)' })
  async rejected(@Param() { importId }: ImportIdParam, @Query() query: RejectedLinesQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    await this.scopeTo(req, parseQueryLogImportId(importId)?.agencyCode);
    const page = await rejectedLines(this.readModels, importId, query.after, query.limit ?? 100);
    if (query.format === 'csv') {
      this.csvHeaders(res, `rejected-lines-${importId}.csv`, page.next);
      return toCsv([['匯入批號', '行號', '錯誤代碼', '欄位', '原因'], ...page.items.map((l) => [l.importId, l.lineNo, l.code, l.field, l.reason])]);
    }
    return { count: page.items.length, next: page.next, lines: page.items.map(({ seq: _seq, ...l }) => l) };
  }

  @Get('logged-queries')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiHeader(MIN_POSITION_DOC)
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary: 'Logged queries (要點 九(二)) by agency, account, Taipei month, case number or file, with their reconciliation; in pages',
    description: 'auditor and ethics read every agency and see the subject as its random person id; an integrator names one of its agencies and never sees the subject. To search by subject, POST /logged-queries/search.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        count: 1, next: null,
        queries: [{
          importId: `SWD001.${'3f9a0c1e'.repeat(4)}`, lineNo: 17, agencyCode: 'SWD001', accountId: 'SWD001.USER.9f2c…', loggedAt: '2025-03-05T01:30:15.000Z', loggedAtRoc: '民國114年03月05日 09:30:15',
          month: '2025-03', operationCode: 'LI_ENROLMENT', caseNumber: '114社救字第0123號', reason: '低收入戶資格審查', outcomeCode: 'FOUND', registered: true, registrations: 1,
          duplicateOf: null, foundUnregistered: false, explained: null, evidence: { streamId: `querylog-SWD001.${'3f9a0c1e'.repeat(4)}`, eventId: '…', position: '90001' },
        }],
      },
    },
  })
  async logged(@Query() query: LoggedQueriesQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    const agency = query.agency ?? (query.importId ? parseQueryLogImportId(query.importId)?.agencyCode : undefined);
    await this.scopeTo(req, agency);
    if (!this.isReader(req) && query.importId && parseQueryLogImportId(query.importId)?.agencyCode !== query.agency) {
      throw fieldError('importId', 'must be a file of the agency named');
    }
    await awaitMinPosition(req, res, query, this.runners, [QUERY_LOGS_PROJECTION], this.config.readWaitMs);
    const page = await findLoggedQueries(this.readModels, {
      agencyCode: query.agency, accountId: query.account, month: query.month, caseNumber: query.caseNumber, importId: query.importId,
      registered: query.registered === undefined ? undefined : query.registered === 'true', after: query.after, limit: query.limit ?? 100,
    });
    return this.respond(page.items, page.next, this.isReader(req), query.format, res, `logged-queries-${query.agency ?? 'all'}${query.month ? `-${query.month}` : ''}.csv`);
  }

  @Post('logged-queries/search')
  @HttpCode(200)
  @Roles('auditor', 'ethics')
  @ApiProduces('application/json')
  @ApiOperation({
    summary: 'Logged queries about one subject (要點 八、九(二)), found by the blind index of the national ID; the read itself is recorded (PersonalDataRead) before anything is returned',
    description: 'auditor and ethics only. The number is sent in the body and never stored in the clear: its keyed hash finds the person id. Nothing found is answered the same way as an unknown number.',
  })
  async bySubject(@Body() dto: SubjectSearchDto, @Req() req: AuthedRequest) {
    if (!this.isReader(req)) throw new ForbiddenException({ code: 'REVEAL_NOT_ALLOWED', message: 'only auditor and ethics roles may search by subject' });
    const id = validateTaiwanId(dto.nationalId);
    if (!id.ok) throw fieldError('nationalId', 'must be a valid national ID or resident certificate number');
    const personId = await this.protector.findPerson(id.normalized);
    const page = personId
      ? await findLoggedQueries(this.readModels, { personId, agencyCode: dto.agency, month: dto.month, after: dto.after, limit: dto.limit ?? 100 })
      : { items: [], next: null };
    // Recorded whatever was found: that someone looked for this person is itself the fact 政風 traces.
    await this.reads.record({
      reader: req.principal.id,
      roles: req.principal.roles,
      purpose: dto.purpose,
      route: '/logged-queries/search',
      agencyCode: dto.agency ?? '*',
      accountIds: [...new Set(page.items.map((q) => q.accountId))],
      fields: ['nationalId'],
      ...(personId ? { personIds: [personId] } : {}),
    });
    return { count: page.items.length, next: page.next, queries: page.items.map((d) => this.view(d, true)) };
  }

  @Get('query-reconciliation')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiHeader(MIN_POSITION_DOC)
  @ApiProduces('application/json', 'text/csv')
  @ApiOperation({
    summary: 'Reconciliation of an agency-month (要點 九(一)(二)、十二(一)): registered, performed, not performed, logged, matched, unregistered, explained, and the files',
    description: 'Matching: same account, operation code, subject and case number, logged on the Taipei day of the planned time (LEDGER_RECONCILIATION_WINDOW_DAYS). One document read, whatever the month holds.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        agencyCode: 'SWD001', month: '2025-03', monthRoc: '民國114年03月', window: { days: 1 }, registered: 1210, performed: 1199, notPerformed: 11, logged: 1202, matched: 1199, unregistered: 3,
        loggedMoreThanOnce: 2, severalRegistrations: 0, duplicates: 0, rejected: 2, imports: 1, importsIncomplete: 0, foundUnregistered: 3, explained: 1, unexplained: 2, files: [],
      },
    },
  })
  async reconciliation(@Query() query: ReconciliationQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    await this.scopeTo(req, query.agency);
    await awaitMinPosition(req, res, query, this.runners, [QUERY_LOGS_PROJECTION], this.config.readWaitMs);
    const summary = await reconciliationSummary(this.readModels, query.agency, query.month);
    const monthRoc = `民國${Number(query.month.slice(0, 4)) - 1911}年${query.month.slice(5)}月`;
    const window = { days: this.config.queryLogs?.windowDays ?? 1 };
    if (query.format === 'csv') {
      this.csvHeaders(res, `reconciliation-${query.agency}-${query.month}.csv`, null);
      return toCsv([
        ['機關代號', '月份', '登記筆數', '已查詢之登記', '未查詢之登記', '日誌筆數', '勾稽相符', '未登記查詢', '已說明', '未說明', '同一登記多次查詢', '一筆查詢多筆登記', '重複日誌', '拒收行數', '匯入檔案數', '未完成匯入', '產製時間'],
        [
          summary.agencyCode, monthRoc, summary.registered, summary.performed, summary.notPerformed, summary.logged, summary.matched, summary.unregistered, summary.explained,
          summary.unexplained, summary.loggedMoreThanOnce, summary.severalRegistrations, summary.duplicates, summary.rejected, summary.imports, summary.importsIncomplete,
          rocDateTime(this.clock().toISOString()),
        ],
      ]);
    }
    const files = await queryLogImports(this.readModels, query.agency, query.month);
    return { ...summary, monthRoc, window, files };
  }

  private respond(items: LoggedQueryDocument[], next: string | null, reader: boolean, format: 'json' | 'csv' | undefined, res: Response, fileName: string) {
    if (format === 'csv') {
      this.csvHeaders(res, fileName, next);
      return toCsv([
        ['匯入批號', '行號', '機關代號', '查詢者帳號', '查詢日期時間(民國,臺北時間)', '作業代號', '案號', '事由', '結果', '勾稽結果', '相符登記筆數', '重複於', '說明情形', ...(reader ? ['被查詢者代號'] : [])],
        ...items.map((d) => [
          d.importId, d.lineNo, d.agencyCode, d.accountId, rocDateTime(d.loggedAt), d.operationCode, d.caseNumber, d.reason, OUTCOME_LABELS[d.outcomeCode] ?? d.outcomeCode,
          d.duplicateOf ? '重複' : d.registered ? '已登記' : '未登記', d.registrations, d.duplicateOf, d.explained === 'EXPLANATION' ? '已說明' : d.explained === 'LATE_REGISTRATION' ? '已補登記' : d.foundUnregistered ? '待說明' : '',
          ...(reader ? [d.personId] : []),
        ]),
      ]);
    }
    return { count: items.length, next, queries: items.map((d) => this.view(d, reader)) };
  }

  private csvHeaders(res: Response, fileName: string, next: string | null) {
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
    if (next) res.setHeader('X-Next-After', next);
  }

  /** Integrators never see the subject, not even its person id: it would let them link queries about one person. */
  private view(d: LoggedQueryDocument, reader: boolean) {
    const { personId, sortKey: _sortKey, ...rest } = d;
    return { ...rest, loggedAtRoc: rocDateTime(d.loggedAt), ...(reader ? { subjectPersonId: personId } : {}) };
  }
}
