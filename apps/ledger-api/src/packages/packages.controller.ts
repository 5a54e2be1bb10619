import { BadRequestException, Body, Controller, ForbiddenException, Get, HttpCode, NotFoundException, Param, Post, Query, Req, Res, StreamableFile } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { Response } from 'express';
import { createReadStream } from 'node:fs';
import { AGENCY_CODE, IsCalendarDate } from '../access/shared/validators';
import { AuthedRequest, Roles } from '../auth/auth.guard';
import { PackageJobsService } from './package-jobs.service';

export class StartPackageJobDto {
  @ApiProperty({ example: 'SWD001' })
  @IsString()
  @Matches(AGENCY_CODE, { message: 'agencyCode must be an agency code' })
  agencyCode!: string;

  @ApiProperty({ example: '2025-01-01', description: 'First day of the period (Asia/Taipei)' })
  @IsCalendarDate()
  from!: string;

  @ApiProperty({ example: '2025-12-31', description: 'Last day of the period (Asia/Taipei)' })
  @IsCalendarDate()
  to!: string;

  @ApiPropertyOptional({ description: 'Holders unmasked in the roster (needs a purpose; recorded as a PersonalDataRead)', example: false })
  @IsOptional()
  @IsBoolean()
  reveal?: boolean;

  @ApiPropertyOptional({ example: '勞保局114年度稽核:提供使用者清冊' })
  @IsOptional()
  @IsString()
  @MinLength(4)
  @MaxLength(200)
  purpose?: string;
}

export class PackageJobsQueryDto {
  @ApiPropertyOptional({ description: 'Jobs per page (1–100, default 20)', example: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: "The previous page's `next`: the id of its last job" })
  @IsOptional()
  @IsUUID('all', { message: 'before must be a job id (UUID)' })
  before?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const invalid = (field: string, message: string) => new BadRequestException({ code: 'VALIDATION_FAILED', message: `${field} ${message}`, fields: [{ field, rule: 'format', message }] });
const EXAMPLE = { id: '6a1f0c3e-2b4d-4e8f-9a7b-1c2d3e4f5a6b', state: 'running', agencyCode: 'SWD001', from: '2025-01-01', to: '2025-12-31', holders: 'masked', eventsRead: 52000, totalEvents: 160000 };

/**
 * The BLI inspection package over HTTP (要點 十二(五)): started as a job, polled, downloaded. Each
 * generation is recorded in the ledger (InspectionPackageGenerated; a reveal of holders first as a
 * PersonalDataRead with its purpose).
 */
@ApiTags('inspection package')
@ApiSecurity('api-key')
@Controller('packages/jobs')
export class PackagesController {
  constructor(private readonly jobs: PackageJobsService) {}

  @Post()
  @Roles('auditor')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start generating the inspection package of an agency and period; poll the job, then download its file' })
  @ApiAcceptedResponse({ schema: { example: EXAMPLE } })
  start(@Body() body: StartPackageJobDto, @Req() req: AuthedRequest) {
    if (body.from > body.to) throw invalid('to', 'must not be before from');
    if (body.reveal && !body.purpose) throw invalid('purpose', 'a stated purpose is required to reveal personal data');
    return this.jobs.start({ agencyCode: body.agencyCode, from: body.from, to: body.to, reveal: body.reveal ? { purpose: body.purpose! } : undefined, principal: req.principal }).job;
  }

  @Get()
  @Roles('auditor')
  @ApiOperation({ summary: "The caller's package jobs, newest first (the last 20 jobs are kept, with their files, across restarts); a job cut short by a restart is `interrupted`" })
  @ApiOkResponse({ schema: { example: { jobs: [{ ...EXAMPLE, state: 'done', requestedBy: 'bli_inspection_2026', startedAt: '2026-03-02T01:00:00.000Z' }], next: null } } })
  list(@Query() query: PackageJobsQueryDto, @Req() req: AuthedRequest) {
    const page = this.jobs.list(req.principal.id, { limit: query.limit ?? 20, before: query.before });
    if (!page) throw invalid('before', 'is not a job of yours that is still kept');
    return { jobs: page.jobs.map((job) => ({ ...job, ...(job.state === 'done' && { file: `/packages/jobs/${job.id}/file` }) })), next: page.next };
  }

  @Get(':id')
  @Roles('auditor')
  @ApiOperation({ summary: 'A package job: progress while running; events, sections, checkpoint and the manifest digest when done' })
  @ApiOkResponse({ schema: { example: { ...EXAMPLE, state: 'done', eventsRead: 160000, events: 151234, manifestSha256: '9c1e…', file: '/packages/jobs/6a1f0c3e-2b4d-4e8f-9a7b-1c2d3e4f5a6b/file' } } })
  get(@Param('id') id: string, @Req() req: AuthedRequest) {
    const { job } = this.own(id, req);
    return { ...job, ...(job.state === 'done' && { file: `/packages/jobs/${job.id}/file` }) };
  }

  @Get(':id/file')
  @Roles('auditor')
  @ApiProduces('application/zip')
  @ApiOperation({ summary: 'The package (zip) of a finished job, for the auditor who asked for it' })
  file(@Param('id') id: string, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    const { job, file } = this.own(id, req);
    if (job.state !== 'done') throw new NotFoundException({ code: 'PACKAGE_NOT_READY', message: `the job is ${job.state}` });
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="package-${job.agencyCode}-${job.from}-${job.to}.zip"`);
    return new StreamableFile(createReadStream(file));
  }

  /** A package may hold revealed holders: only its requester sees the job and its file. */
  private own(id: string, req: AuthedRequest) {
    if (!UUID.test(id)) throw invalid('id', 'must be a UUID');
    const entry = this.jobs.get(id);
    if (!entry) throw new NotFoundException({ code: 'JOB_NOT_FOUND', message: 'no such package job (only the last 20 are kept)' });
    if (entry.job.requestedBy !== req.principal.id) throw new ForbiddenException({ code: 'NOT_YOUR_PACKAGE', message: 'only the auditor who asked for a package may read it' });
    return entry;
  }
}
