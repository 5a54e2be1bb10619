import { Body, Controller, Get, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { AuthedRequest, Roles } from '../auth/auth.guard';
import { envelopeOf } from '../common/command.dto';
import { AccessScope } from '../access/shared/access-scope';
import { CommandRoute, refusal } from '../access/shared/openapi';
import { AgencyMonthParams, AgencyQuarterParams, CompareEntryDto, DrawSampleDto, SignOffDto, SubmitQuarterDto } from './checks.dto';
import { ChecksScope } from './checks-scope';
import { ChecksService } from './checks.service';

const MONTHLY = 'monthlycheck-SWD001.2025_03';
const SIGNED_OFF = refusal('MONTHLY_CHECK_SIGNED_OFF');
const NOT_DRAWN = refusal('MONTHLY_SAMPLE_NOT_DRAWN');

const SAMPLE_EXAMPLE = {
  agencyCode: 'SWD001',
  month: '2025-03',
  closingCheckpoint: { origin: 'webir-ledger', treeSize: 1204, rootHash: 'q2SWaVQ9Ssn3bLWq1qa2gK0Y1b0M0nSE8F4Z3pXhB8o=', position: '1205', recordedAt: '2025-03-31T16:00:01.000Z', note: 'webir-ledger\n1204\nq2SW…\n\n— webir-ledger 3dc2…\n' },
  recomputed: {
    algorithm: 'webir-ledger monthly sample v1', population: 25, sampleSize: 10, populationDigest: '66f2…', logDigests: ['4f2c…'],
    seedMaterial: 'webir-ledger monthly sample v1\nagency SWD001\nmonth 2025-03\ncheckpoint webir-ledger 1204 q2SW…\nlog 4f2c…\npopulation 25 66f2…\n',
    seed: 'f2c2…', indices: [0, 20, 22], sample: ['SWD001.0123456789abcdef0123456789abcdef.2'],
  },
  recorded: { seed: 'f2c2…', population: 25, sampleSize: 10, sample: ['SWD001.0123456789abcdef0123456789abcdef.2'], checkpointPosition: '1205' },
  matches: true,
  entryIds: ['SWD001.0123456789abcdef0123456789abcdef.2'],
};

/** 要點 十二(一): the monthly sampling check, drawn from a seed nobody could choose, and the quarterly submission. */
@ApiTags('checks')
@ApiSecurity('api-key')
@Controller('checks')
export class ChecksController {
  constructor(
    private readonly checks: ChecksService,
    private readonly scope: ChecksScope,
    private readonly access: AccessScope,
  ) {}

  @Get('monthly/:agencyCode/:month/sample')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({
    summary: "Recompute a month's sample from the checkpoint that closed it and the month's log digests, and compare it with the recorded draw (要點 十二(一))",
    description: 'Read-only. `recomputed` is null until a checkpoint has been signed since the month closed (Asia/Taipei); `matches` is null until a draw is recorded. See README "Recomputing a sample".',
  })
  @ApiOkResponse({ schema: { example: SAMPLE_EXAMPLE } })
  async sample(@Param() { agencyCode, month }: AgencyMonthParams, @Req() req: AuthedRequest) {
    await this.access.assertMayRead(req, agencyCode);
    return this.checks.recompute(agencyCode, month);
  }

  @Post('monthly/:agencyCode/:month/draw')
  @CommandRoute({
    summary: "Draw and record the month's sample once the month has closed: N < 10 all, else max(10, ⌈3 % N⌉), seeded by the closing checkpoint and the log digests (要點 十二(一))",
    streamId: MONTHLY,
    events: ['MonthlySampleDrawn'],
    refusals: [refusal('SAMPLE_MONTH_NOT_CLOSED'), refusal('SAMPLE_LOG_IMPORT_INCOMPLETE'), refusal('SAMPLE_SEED_MISMATCH'), refusal('MONTHLY_SAMPLE_ALREADY_DRAWN'), refusal('MONTHLY_CHECK_NOT_A_REQUESTER')],
  })
  async draw(@Param() { agencyCode, month }: AgencyMonthParams, @Body() dto: DrawSampleDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsForAgency(req, agencyCode, 'draw its monthly sample');
    return this.checks.draw(agencyCode, month, dto.expectedSeed, envelopeOf(dto, req.principal.id));
  }

  @Post('monthly/:agencyCode/:month/comparisons')
  @CommandRoute({
    summary: 'Record the comparison of one sampled logged query with its registration: MATCH, MISMATCH or MISSING, with notes; a major anomaly opens a joint audit (要點 十二(一)(二))',
    streamId: MONTHLY,
    events: ['SampleEntryCompared'],
    refusals: [refusal('SAMPLE_ENTRY_NOT_SAMPLED'), refusal('SAMPLE_ENTRY_ALREADY_COMPARED'), refusal('SAMPLE_DISCREPANCY_NEEDS_NOTE'), refusal('MAJOR_ANOMALY_NEEDS_DISCREPANCY'), NOT_DRAWN, SIGNED_OFF],
  })
  async compare(@Param() { agencyCode, month }: AgencyMonthParams, @Body() dto: CompareEntryDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsForAgency(req, agencyCode, 'record its sampling check');
    const { entryId, outcome, registrationId, note, majorAnomaly } = dto;
    return this.checks.compare(agencyCode, month, { entryId, outcome, registrationId, note, majorAnomaly }, envelopeOf(dto, req.principal.id));
  }

  @Post('monthly/:agencyCode/:month/sign-off')
  @CommandRoute({
    summary: "Sign off the month's check record once every sampled entry is compared, by the agency's dedicated staff; meets MONTHLY_SAMPLING_CHECK (要點 十(一)、十二(一))",
    streamId: MONTHLY,
    events: ['MonthlyCheckSignedOff'],
    refusals: [refusal('SAMPLE_COMPARISON_INCOMPLETE'), refusal('CHECKER_NOT_DEDICATED_STAFF'), NOT_DRAWN, SIGNED_OFF],
  })
  async signOff(@Param() { agencyCode, month }: AgencyMonthParams, @Body() dto: SignOffDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsForAgency(req, agencyCode, 'sign off its sampling check');
    return this.checks.signOff(agencyCode, month, dto.checkerPersonId, envelopeOf(dto, req.principal.id));
  }

  @Get('monthly/:agencyCode/:month')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({ summary: "A month's check record: the draw, the comparisons and the sign-off (要點 十二(一)、十二(十一))" })
  @ApiOkResponse({ schema: { example: { streamId: MONTHLY, revision: 12, state: { status: 'SIGNED_OFF', agencyCode: 'SWD001', month: '2025-03', population: 25, sampleSize: 10, seed: 'f2c2…', sample: ['…'], compared: { '…': 'MATCH' }, jointAuditIds: [], checkerPersonId: 'person_…' } } } })
  async monthly(@Param() { agencyCode, month }: AgencyMonthParams, @Req() req: AuthedRequest) {
    await this.access.assertMayRead(req, agencyCode);
    return this.checks.monthlyCheck(agencyCode, month);
  }

  @Post('quarterly/:agencyCode/:quarter/submissions')
  @CommandRoute({
    summary: "Send the quarter's signed-off monthly check records to the competent authority, listing them; a missing month keeps the duty open (要點 十二(一))",
    streamId: 'quarterlycheck-SWD001.2025_Q1',
    events: ['QuarterlyCheckRecordsSubmitted'],
    refusals: [refusal('QUARTER_NOT_CLOSED'), refusal('NO_CHECK_RECORDS_TO_SUBMIT'), refusal('CHECK_RECORDS_RECIPIENT_NOT_COMPETENT_AUTHORITY')],
  })
  async submitQuarter(@Param() { agencyCode, quarter }: AgencyQuarterParams, @Body() dto: SubmitQuarterDto, @Req() req: AuthedRequest) {
    await this.scope.assertActsForAgency(req, agencyCode, 'submit its check records');
    return this.checks.submitQuarter(agencyCode, quarter, dto.competentAuthorityCode, envelopeOf(dto, req.principal.id));
  }

  @Get('quarterly/:agencyCode/:quarter')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({ summary: "The monthly records a quarter's submissions contained (要點 十二(一))" })
  @ApiOkResponse({ schema: { example: { streamId: 'quarterlycheck-SWD001.2025_Q1', revision: 0, state: { submitted: ['2025-01', '2025-02', '2025-03'] } } } })
  async quarterly(@Param() { agencyCode, quarter }: AgencyQuarterParams, @Req() req: AuthedRequest) {
    await this.access.assertMayRead(req, agencyCode);
    return this.checks.quarterlySubmission(agencyCode, quarter);
  }
}
