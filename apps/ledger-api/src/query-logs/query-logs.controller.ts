import { Body, Controller, HttpException, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import type { Response } from 'express';
import { parseQueryLogImportId, QUERY_LOG_ENCODINGS, type QueryLogEncoding } from '@ledger/domain';
import { AuthedRequest, Roles } from '../auth/auth.guard';
import { CommandDto, envelopeOf } from '../common/command.dto';
import { AccessScope } from '../access/shared/access-scope';
import { CommandRoute, refusal } from '../access/shared/openapi';
import { ACCOUNT_ID, AGENCY_CODE, RECORD_ID } from '../access/shared/validators';
import { fieldError } from '../reporting/as-of.dto';
import { MAX_LOG_BYTES } from './query-log-importer';
import { PayloadTooLargeError, QueryLogsService } from './query-logs.service';

export const MONTH = /^(19[1-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])$/;
export const IMPORT_ID = /^[A-Za-z0-9_]{1,32}\.[0-9a-f]{32}$/;
const EXAMPLE_IMPORT = `SWD001.${'3f9a0c1e'.repeat(4)}`;

export class ImportLogQueryDto {
  @ApiProperty({ example: 'SWD001', description: 'The agency whose log this is (an integrator: one of its agencies)' })
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency!: string;

  @ApiProperty({ example: '2025-03', description: 'The Asia/Taipei month the file covers (YYYY-MM); every line must fall in it' })
  @Matches(MONTH, { message: 'month must be YYYY-MM' })
  month!: string;

  @ApiPropertyOptional({ example: 'SWD001_202503.csv', description: 'The name the file had (recorded; no personal data)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  fileName?: string;

  @ApiPropertyOptional({ description: '要點 九(二): the agency administrator account that downloaded the log from WebIR (must be an active ADMIN account of the agency)' })
  @IsOptional()
  @Matches(ACCOUNT_ID, { message: 'downloadedBy must be <agencyCode>.ADMIN.<holderKey>' })
  downloadedBy?: string;

  @ApiPropertyOptional({ enum: QUERY_LOG_ENCODINGS, description: 'Forces the encoding; detected by default (BOM → UTF-8-BOM, valid UTF-8 → UTF-8, else Big5/CP950)' })
  @IsOptional()
  @IsIn(QUERY_LOG_ENCODINGS)
  encoding?: QueryLogEncoding;
}

export class LoggedLineParam {
  @ApiProperty({ example: EXAMPLE_IMPORT })
  @Matches(IMPORT_ID, { message: 'importId must be <agencyCode>.<32 hex digits>' })
  importId!: string;

  @ApiProperty({ example: 17, description: 'Line number in the file (the header is line 1)' })
  @Type(() => Number)
  @IsInt({ message: 'lineNo must be a whole number' })
  @Min(2, { message: 'lineNo must be a data line (≥ 2)' })
  @Max(100_000_000)
  lineNo!: number;
}

export class ExplainUnregisteredDto extends CommandDto {
  @ApiProperty({ enum: ['EXPLANATION', 'LATE_REGISTRATION'] })
  @IsIn(['EXPLANATION', 'LATE_REGISTRATION'])
  resolution!: 'EXPLANATION' | 'LATE_REGISTRATION';

  @ApiPropertyOptional({ example: '系統異常,登記表以紙本填寫,已補附', description: 'Required for EXPLANATION (no national ID)' })
  @ValidateIf((o: ExplainUnregisteredDto) => o.resolution === 'EXPLANATION' || o.explanation !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  explanation?: string;

  @ApiPropertyOptional({ example: 'SWD001_2025_000123', description: 'Required for LATE_REGISTRATION: the registration recorded late, which must match the logged query' })
  @ValidateIf((o: ExplainUnregisteredDto) => o.resolution === 'LATE_REGISTRATION' || o.registrationId !== undefined)
  @Matches(RECORD_ID, { message: 'registrationId must be 1–64 letters, digits, "_" or ":"' })
  registrationId?: string;
}

const CSV_TYPES = ['text/csv', 'application/octet-stream', 'text/plain'];

/** 要點 九(二): the administrator's monthly WebIR log, and the explanations of its unregistered queries (要點 九(一)). */
@ApiTags('query-logs')
@ApiSecurity('api-key')
@Controller('query-logs')
export class QueryLogsController {
  constructor(
    private readonly logs: QueryLogsService,
    private readonly scope: AccessScope,
  ) {}

  @Post()
  @Roles('integrator')
  @ApiOperation({
    summary: 'Import a month of the WebIR query log (要點 九(二)) as the request body (CSV, streamed); the same file again appends nothing',
    description:
      'Layout: docs/webir-log-layout.md (Traditional Chinese headers, other spellings mapped; UTF-8 with or without BOM, or Big5; ROC 114/03/05, 1140305 or ISO dates, Taipei time). ' +
      'Every line is checked before anything is written; a malformed line is recorded as rejected with its line number and reason, the others are recorded in chunks, ' +
      'then each query is reconciled with the registrations (要點 九(一)): one without a registration is an UNREGISTERED_QUERY with an explanation duty. ' +
      `201 for a new import, 200 when this file was imported before (nothing appended). At most ${MAX_LOG_BYTES} bytes. ` +
      'Refusals (422): QUERY_LOG_PERIOD_CONFLICT (the same file declared for another month), QUERY_LOG_NOT_BY_ADMINISTRATOR.',
  })
  @ApiConsumes(...CSV_TYPES)
  @ApiBody({ description: 'The log file, as downloaded', schema: { type: 'string', format: 'binary' } })
  @ApiCreatedResponse({
    description: 'Imported and reconciled',
    schema: {
      example: {
        importId: EXAMPLE_IMPORT, streamId: `querylog-${EXAMPLE_IMPORT}`, agencyCode: 'SWD001', period: '2025-03', sha256: '3f9a…', byteLength: 182311, encoding: 'BIG5',
        lineCount: 1204, acceptedCount: 1202, rejectedCount: 2, alreadyImported: false, resumed: false, matchedCount: 1199, unregisteredCount: 3,
        rejectedSample: [{ lineNo: 57, code: 'BAD_DATE', field: 'queryDate', reason: '查詢日期格式錯誤或日期不存在(例:114/03/05、1140305、2025-03-05)' }],
        eventsAppended: 8, position: '90412',
      },
    },
  })
  @ApiOkResponse({ description: 'This file was imported before: nothing appended, its recorded outcome returned' })
  async upload(@Query() query: ImportLogQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    await this.scope.assertMaySend(req, query.agency);
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!CSV_TYPES.includes(type)) {
      throw new HttpException(
        { code: 'UNSUPPORTED_MEDIA_TYPE', message: `Content-Type must be one of ${CSV_TYPES.join(', ')}: the log file is the body`, fields: [{ field: 'Content-Type', rule: 'mediaType', message: 'send the CSV file as text/csv' }] },
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      );
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_LOG_BYTES) throw tooLarge();
    try {
      const result = await this.logs.importUpload(req, {
        agencyCode: query.agency,
        period: query.month,
        fileName: query.fileName,
        downloadedBy: query.downloadedBy,
        encoding: query.encoding,
        actor: req.principal.id,
      });
      res.status(result.alreadyImported ? 200 : 201);
      return result;
    } catch (error) {
      if (error instanceof PayloadTooLargeError) throw tooLarge();
      throw error;
    }
  }

  @Post(':importId/lines/:lineNo/explanation')
  @CommandRoute({
    summary: 'Explain a logged query found without a registration, or name its late registration (要點 九(一)); meets EXPLAIN_UNREGISTERED_QUERY',
    streamId: `unregisteredquery-${EXAMPLE_IMPORT}.17`,
    events: ['UnregisteredQueryExplained'],
    refusals: [refusal('UNREGISTERED_QUERY_NOT_FOUND'), refusal('LATE_REGISTRATION_MISMATCH'), refusal('UNREGISTERED_QUERY_ALREADY_EXPLAINED')],
  })
  async explain(@Param() { importId, lineNo }: LoggedLineParam, @Body() dto: ExplainUnregisteredDto, @Req() req: AuthedRequest) {
    const agency = parseQueryLogImportId(importId);
    if (!agency) throw fieldError('importId', 'must be <agencyCode>.<32 hex digits>');
    await this.scope.assertMaySend(req, agency.agencyCode);
    const { commandId, occurredAt, correlationId, causationId, resolution, explanation, registrationId } = dto;
    return this.logs.explain(importId, lineNo, { resolution, explanation, registrationId }, envelopeOf({ commandId, occurredAt, correlationId, causationId }, req.principal.id));
  }
}

function tooLarge() {
  return new HttpException({ code: 'PAYLOAD_TOO_LARGE', message: `the log file must be at most ${MAX_LOG_BYTES} bytes`, fields: [{ field: 'body', rule: 'maxSize', message: 'file too large' }] }, HttpStatus.PAYLOAD_TOO_LARGE);
}
