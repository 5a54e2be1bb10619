import { Body, Controller, ForbiddenException, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ANOMALY_KINDS, NotFoundError } from '@ledger/domain';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import {
  anomalyAt,
  anomalyCounts,
  type AnomalyView,
  findAnomalies,
  findInvestigations,
  getAnomaly,
  getInvestigation,
  type InvestigationDocument,
  asOfInstant,
  rocDate,
  startOfTaipeiDay,
  taipeiDate,
} from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { AuthedRequest, Roles } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';
import { envelopeOf } from '../common/command.dto';
import type { CommandResult } from '../common/command-processor';
import { CLOCK, Clock, PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { AccessScope } from '../access/shared/access-scope';
import { CommandRoute, refusal } from '../access/shared/openapi';
import { EXAMPLE_USER_ACCOUNT_ID } from '../access/shared/validators';
import { awaitMinPosition, fieldError, MIN_POSITION_DOC } from '../reporting/as-of.dto';
import { toCsv } from '../reporting/csv';
import { PersonalDataReadLog } from '../reporting/personal-data-reads.service';
import { caseKeyOf, EthicsCommands } from './ethics.commands';
import {
  AnomaliesQueryDto,
  AnomalyIdParam,
  AnomalyQueryDto,
  AnomalySummaryQueryDto,
  ConcludeInvestigationDto,
  DeclareRelationsDto,
  EXAMPLE_ANOMALY_ID,
  InvestigationEvidenceDto,
  InvestigationIdParam,
  InvestigationNoteDto,
  InvestigationsQueryDto,
  OpenInvestigationDto,
  RecordCaseAssignmentDto,
  WithdrawRelationDto,
} from './ethics.dto';
import { EvidenceService } from './evidence.service';

const READ_MODEL = ['ethics_anomalies'];
const split = <T extends { commandId: string; occurredAt?: string; correlationId?: string; causationId?: string }>(dto: T) => {
  const { commandId, occurredAt, correlationId, causationId, ...fields } = dto;
  return { fields, envelope: { commandId, occurredAt, correlationId, causationId } };
};

const STATE_LABEL: Record<string, string> = { OPEN: '待處理', UNDER_INVESTIGATION: '調查中', JUSTIFIED: '經查有正當理由', VIOLATION: '違規', UNFOUNDED: '查無不當', CONCLUDED: '已結案' };
const SEVERITY_LABEL: Record<string, string> = { LOW: '低', MEDIUM: '中', HIGH: '高' };
/** `民國114年03月05日 09:30` (Asia/Taipei). */
const rocTime = (iso: string | null | undefined) => (iso ? `${rocDate(taipeiDate(iso))} ${new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(11, 16)}` : '');

/** A bare date names a Taipei day: `from` its start, `to` and `knownAt` its end; else an instant with its offset. */
function instantOf(field: string, value: string | undefined, end: boolean): string | undefined {
  if (value === undefined) return undefined;
  const at = asOfInstant(value);
  if (!at) throw fieldError(field, 'must be a date YYYY-MM-DD (Asia/Taipei) or an ISO-8601 instant with its UTC offset');
  return !end && /^\d{4}-\d{2}-\d{2}$/.test(value) ? startOfTaipeiDay(value) : at;
}

/** 要點 八 「依機關分案規定」: the agency's case system records who works on which case. */
@ApiTags('ethics')
@ApiSecurity('api-key')
@Controller('case-assignments')
export class CaseAssignmentController {
  constructor(
    private readonly commands: EthicsCommands,
    private readonly scope: AccessScope,
  ) {}

  @Post()
  @CommandRoute({
    summary: 'Record a case assignment (分案): from when which accounts work on a case number (要點 八); the same set again appends nothing',
    streamId: `caseassignment-SWD001.${caseKeyOf('SWD001', '114社救字第0123號')}`,
    events: ['CaseAssignmentRecorded'],
    refusals: [refusal('CASE_ASSIGNMENT_OTHER_AGENCY'), refusal('CASE_ASSIGNMENT_OUT_OF_ORDER'), refusal('CASE_ASSIGNMENT_CONFLICT')],
  })
  async record(@Body() dto: RecordCaseAssignmentDto, @Req() req: AuthedRequest): Promise<CommandResult> {
    await this.scope.assertMaySend(req, dto.agencyCode);
    const { fields, envelope } = split(dto);
    return this.commands.recordCaseAssignment(fields, envelopeOf(envelope as RecordCaseAssignmentDto, req.principal.id));
  }
}

/** 要點 八 親屬、主管: 政風's relations lists, by blind index only. */
@ApiTags('ethics')
@ApiSecurity('api-key')
@Controller('ethics/relations')
export class RelationsController {
  constructor(private readonly commands: EthicsCommands) {}

  @Post()
  @CommandRoute({
    summary: "Declare people on a user's relations list (親屬、主管, 要點 八): kept as the personal-data vault's random person ids only, never returned",
    streamId: `relations-${EXAMPLE_USER_ACCOUNT_ID}`,
    events: ['RelationDeclared'],
    refusals: [refusal('RELATION_TO_SELF')],
    roles: ['ethics'],
  })
  async declare(@Body() dto: DeclareRelationsDto, @Req() req: AuthedRequest): Promise<CommandResult> {
    const { fields, envelope } = split(dto);
    return this.commands.declareRelations(fields, envelopeOf(envelope as DeclareRelationsDto, req.principal.id));
  }

  @Post('withdrawals')
  @CommandRoute({
    summary: "Take a person off a user's relations list, with a reason (要點 八)",
    streamId: `relations-${EXAMPLE_USER_ACCOUNT_ID}`,
    events: ['RelationWithdrawn'],
    refusals: [refusal('RELATION_NOT_DECLARED')],
    roles: ['ethics'],
  })
  async withdraw(@Body() dto: WithdrawRelationDto, @Req() req: AuthedRequest): Promise<CommandResult> {
    const { fields, envelope } = split(dto);
    return this.commands.withdrawRelation(fields, envelopeOf(envelope as WithdrawRelationDto, req.principal.id));
  }
}

const INVESTIGATION_STREAM = 'investigation-ETH_SWD001_2025_001';

/** 政風 investigations (要點 八、十二(二)): opened on anomalies, noted, concluded; a violation opens the joint audit. */
@ApiTags('ethics')
@ApiSecurity('api-key')
@Controller('ethics/investigations')
export class InvestigationsController {
  constructor(
    private readonly commands: EthicsCommands,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Post()
  @CommandRoute({
    summary: 'Open an investigation on anomalies of one agency (要點 八); they leave the open list',
    streamId: INVESTIGATION_STREAM,
    events: ['InvestigationOpened'],
    refusals: [refusal('ANOMALY_UNKNOWN'), refusal('ANOMALY_ALREADY_INVESTIGATED'), refusal('ANOMALIES_OF_SEVERAL_AGENCIES'), refusal('INVESTIGATION_ALREADY_OPENED')],
    roles: ['ethics'],
  })
  async open(@Body() dto: OpenInvestigationDto, @Req() req: AuthedRequest): Promise<CommandResult> {
    const { fields, envelope } = split(dto);
    return this.commands.investigation({ type: 'OpenInvestigation', ...fields, anomalies: [] }, envelopeOf(envelope as OpenInvestigationDto, req.principal.id));
  }

  @Post(':investigationId/notes')
  @CommandRoute({ summary: 'Add a note to an open investigation', streamId: INVESTIGATION_STREAM, events: ['InvestigationNoteAdded'], refusals: [refusal('INVESTIGATION_NOT_OPENED'), refusal('INVESTIGATION_CONCLUDED')], roles: ['ethics'] })
  async note(@Param() { investigationId }: InvestigationIdParam, @Body() dto: InvestigationNoteDto, @Req() req: AuthedRequest): Promise<CommandResult> {
    const { fields, envelope } = split(dto);
    return this.commands.investigation({ type: 'AddInvestigationNote', investigationId, ...fields }, envelopeOf(envelope as InvestigationNoteDto, req.principal.id));
  }

  @Post(':investigationId/evidence')
  @CommandRoute({
    summary: 'Add an evidence reference (a ledger position, a document number) to an open investigation',
    streamId: INVESTIGATION_STREAM,
    events: ['InvestigationEvidenceAdded'],
    refusals: [refusal('INVESTIGATION_NOT_OPENED'), refusal('INVESTIGATION_CONCLUDED')],
    roles: ['ethics'],
  })
  async evidence(@Param() { investigationId }: InvestigationIdParam, @Body() dto: InvestigationEvidenceDto, @Req() req: AuthedRequest): Promise<CommandResult> {
    const { fields, envelope } = split(dto);
    return this.commands.investigation({ type: 'AddInvestigationEvidence', investigationId, ...fields }, envelopeOf(envelope as InvestigationEvidenceDto, req.principal.id));
  }

  @Post(':investigationId/conclusion')
  @CommandRoute({
    summary: 'Conclude: JUSTIFIED, VIOLATION or UNFOUNDED (要點 八). A violation opens the joint audit of 要點 十二(二) (obligation JOINT_AUDIT_REPORT, default 30 days)',
    streamId: INVESTIGATION_STREAM,
    events: ['InvestigationConcluded'],
    refusals: [refusal('INVESTIGATION_NOT_OPENED'), refusal('INVESTIGATION_CONCLUDED')],
    roles: ['ethics'],
  })
  async conclude(@Param() { investigationId }: InvestigationIdParam, @Body() dto: ConcludeInvestigationDto, @Req() req: AuthedRequest): Promise<CommandResult> {
    const { fields, envelope } = split(dto);
    return this.commands.investigation({ type: 'ConcludeInvestigation', investigationId, ...fields, jointAuditId: '' }, envelopeOf(envelope as ConcludeInvestigationDto, req.principal.id));
  }

  @Get()
  @Roles('ethics', 'auditor')
  @ApiOperation({ summary: 'Investigations and their state (要點 八、十二(二)), by agency and state; JSON or CSV' })
  @ApiHeader(MIN_POSITION_DOC)
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    schema: {
      example: {
        count: 1,
        investigations: [{ investigationId: 'ETH_SWD001_2025_001', agencyCode: 'SWD001', title: '疑似查詢己身資料', anomalyIds: [EXAMPLE_ANOMALY_ID], state: 'CONCLUDED', conclusion: 'VIOLATION', jointAudit: { jointAuditId: '0b8e2a4c-…', dueDate: '2025-05-05' } }],
      },
    },
  })
  async list(@Query() query: InvestigationsQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    await awaitMinPosition(req, res, query, this.runners, READ_MODEL, this.config.readWaitMs);
    const items = await findInvestigations(this.readModels, { agencyCode: query.agency, state: query.state });
    if (query.format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="investigations.csv"');
      return investigationsCsv(items);
    }
    return { count: items.length, investigations: items };
  }

  @Get(':investigationId')
  @Roles('ethics', 'auditor')
  @ApiOperation({ summary: 'One investigation: its anomalies, notes, evidence references, conclusion and joint audit' })
  @ApiHeader(MIN_POSITION_DOC)
  @ApiOkResponse({ schema: { example: { investigationId: 'ETH_SWD001_2025_001', state: 'OPEN', notes: [{ noteNo: 1, text: '約談當事人' }] } } })
  @ApiNotFoundResponse({ description: 'No such investigation' })
  async get(@Param() { investigationId }: InvestigationIdParam, @Query() query: InvestigationsQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    await awaitMinPosition(req, res, query, this.runners, READ_MODEL, this.config.readWaitMs);
    const doc = await getInvestigation(this.readModels, investigationId);
    if (!doc) throw new NotFoundError('investigation', investigationId);
    return { ...doc, stateLabel: STATE_LABEL[doc.state], conclusionLabel: doc.conclusion ? STATE_LABEL[doc.conclusion] : null };
  }
}

/** 政風 anomalies (要點 八、九): flags for investigation, never verdicts. */
@ApiTags('ethics')
@ApiSecurity('api-key')
@Controller('ethics/anomalies')
export class AnomaliesController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly evidence: EvidenceService,
    private readonly reads: PersonalDataReadLog,
    private readonly security: SecurityLogService,
  ) {}

  @Get()
  @Roles('ethics', 'auditor')
  @ApiOperation({
    summary: 'Anomalies by agency, kind, account, period and state (要點 八、九), in pages; JSON or CSV. Flags for investigation, never verdicts',
    description:
      `Kinds: ${ANOMALY_KINDS.join(', ')}. \`month\` or \`from\`/\`to\` select by the Taipei time of the first query; \`knownAt\` answers as the ledger knew it then (evidence and state changes recorded by then). ` +
      'Pages follow anomalyId; pass `next` as `after`. Never the subject.',
  })
  @ApiHeader(MIN_POSITION_DOC)
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    schema: {
      example: {
        count: 1, next: null,
        anomalies: [{
          anomalyId: EXAMPLE_ANOMALY_ID, kind: 'SELF_QUERY', severity: 'HIGH', rule: '要點 八', title: '查詢己身資料', agencyCode: 'SWD001', accountId: EXAMPLE_USER_ACCOUNT_ID,
          month: '2025-03', firstSeenAt: '2025-03-05T02:00:00.000Z', lastSeenAt: '2025-03-05T02:00:00.000Z', evidenceCount: 1, state: 'OPEN', investigationId: null,
          detector: { kind: 'SELF_QUERY', version: '1.5c0e9a31' }, qualifiers: [],
        }],
      },
    },
  })
  async list(@Query() query: AnomaliesQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    const from = instantOf('from', query.from, false);
    const to = instantOf('to', query.to, true);
    const knownAt = instantOf('knownAt', query.knownAt, true);
    await awaitMinPosition(req, res, query, this.runners, READ_MODEL, this.config.readWaitMs);
    const page = await findAnomalies(this.readModels, {
      agencyCode: query.agency, kind: query.kind, accountId: query.account, state: query.state, month: query.month,
      from, to: to === undefined ? undefined : new Date(Date.parse(to) + 1).toISOString(), knownAt, after: query.after, limit: query.limit ?? 100,
    });
    if (query.format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="anomalies${query.agency ? `-${query.agency}` : ''}${query.month ? `-${query.month}` : ''}.csv"`);
      return anomaliesCsv(page.items);
    }
    return { count: page.items.length, next: page.next, anomalies: page.items.map(view) };
  }

  @Get('summary')
  @Roles('ethics', 'auditor')
  @ApiOperation({ summary: 'Anomaly counts per agency and Taipei month, by kind and by state (要點 八、九); JSON or CSV' })
  @ApiHeader(MIN_POSITION_DOC)
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({ schema: { example: { count: 1, months: [{ agencyCode: 'SWD001', month: '2025-03', total: 3, byKind: { SELF_QUERY: 1, OFF_HOURS: 2 }, byState: { OPEN: 2, VIOLATION: 1 } }] } } })
  async summary(@Query() query: AnomalySummaryQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    if (query.month && (query.fromMonth || query.toMonth)) throw fieldError('month', 'give month, or fromMonth/toMonth, not both');
    await awaitMinPosition(req, res, query, this.runners, READ_MODEL, this.config.readWaitMs);
    const months = await anomalyCounts(this.readModels, { agencyCode: query.agency, month: query.month, fromMonth: query.fromMonth, toMonth: query.toMonth });
    if (query.format === 'csv') {
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="anomaly-summary.csv"');
      const rows = months.map((m) => [m.agencyCode, `民國${Number(m.month.slice(0, 4)) - 1911}年${m.month.slice(5)}月`, m.total, ...ANOMALY_KINDS.map((k) => m.byKind[k] ?? 0), ...['OPEN', 'UNDER_INVESTIGATION', 'JUSTIFIED', 'VIOLATION', 'UNFOUNDED'].map((s) => m.byState[s as 'OPEN'] ?? 0)]);
      return toCsv([['異常統計(要點 八、九)'], ['機關代碼', '月份', '合計', ...ANOMALY_KINDS, '待處理', '調查中', '經查有正當理由', '違規', '查無不當'], ...rows]);
    }
    return { count: months.length, months };
  }

  @Get(':anomalyId')
  @Roles('ethics', 'auditor')
  @ApiOperation({
    summary: 'One anomaly with its evidence: each logged query beside the registration it matches, the subject masked (要點 八、九)',
    description: '`reveal=true` with a `purpose` (ethics) shows the subject unmasked; the read is first recorded as a PersonalDataRead event. `knownAt`: as the ledger knew it then.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        anomaly: { anomalyId: EXAMPLE_ANOMALY_ID, kind: 'SELF_QUERY', state: 'OPEN' }, masked: true,
        evidence: [{
          position: '1204', loggedQuery: 'SWD001.3b1f….17', logLine: { lineNo: 17, accountId: EXAMPLE_USER_ACCOUNT_ID, loggedAt: '2025-03-05T02:00:00.000Z', operationCode: 'LI_ENROLMENT', caseNumber: '114社救字第0123號', subject: 'A12****789' },
          registration: { registrationId: 'SWD001_2025_000123', plannedAt: '2025-03-05T01:55:00.000Z', caseNumber: '114社救字第0123號', subject: 'A12****789' }, sameSubject: true,
        }],
      },
    },
  })
  @ApiNotFoundResponse({ description: 'No such anomaly (or none yet at knownAt)' })
  async get(@Param() { anomalyId }: AnomalyIdParam, @Query() query: AnomalyQueryDto, @Req() req: AuthedRequest) {
    const knownAt = instantOf('knownAt', query.knownAt, true);
    const reveal = query.reveal === 'true';
    if (reveal) {
      if (!req.principal.roles.some((r) => r === 'ethics' || r === 'admin')) {
        await this.security.refused({ actor: req.principal.id, method: req.method, route: req.route.path, reason: 'ROLE', detail: 'reveal' });
        throw new ForbiddenException({ code: 'REVEAL_NOT_ALLOWED', message: 'only the ethics role may see a query subject unmasked' });
      }
      if (!query.purpose) throw fieldError('purpose', 'a stated purpose is required to reveal personal data');
    }
    const doc = await getAnomaly(this.readModels, anomalyId);
    const anomaly = doc && anomalyAt(doc, knownAt);
    if (!anomaly) throw new NotFoundError('anomaly', anomalyId);
    const limit = query.evidence ?? 20;
    if (reveal) {
      await this.reads.record({
        reader: req.principal.id, roles: req.principal.roles, purpose: query.purpose!, route: req.route.path, agencyCode: anomaly.agencyCode,
        accountIds: [anomaly.accountId], fields: ['nationalId'], records: [anomalyId, ...anomaly.evidence.slice(0, limit).map((e) => e.loggedQuery)],
      });
    }
    return { anomaly: view(anomaly), masked: !reveal, generatedAt: this.clock().toISOString(), evidence: await this.evidence.evidenceOf(anomaly, limit, reveal) };
  }
}

const view = (a: AnomalyView) => ({
  ...a,
  stateLabel: STATE_LABEL[a.state],
  severityLabel: SEVERITY_LABEL[a.severity],
  firstSeenTaipei: rocTime(a.firstSeenAt),
  lastSeenTaipei: rocTime(a.lastSeenAt),
});

function anomaliesCsv(items: AnomalyView[]): string {
  const headers = ['異常編號', '類型', '說明', '要點', '嚴重度', '機關代碼', '帳號代碼', '月份', '首次查詢時間', '最後查詢時間', '證據筆數', '狀態', '調查案號', '偵測規則版本', '註記', '帳本得知時間'];
  const rows = items.map((a) => [
    a.anomalyId, a.kind, a.title, a.rule, SEVERITY_LABEL[a.severity], a.agencyCode, a.accountId, a.month, rocTime(a.firstSeenAt), rocTime(a.lastSeenAt), a.evidenceCount,
    STATE_LABEL[a.state], a.investigationId ?? '', a.detector.version, a.qualifiers.includes('UNDER_CASE_ASSIGNMENT') ? '依分案查詢' : '', rocTime(a.detectedKnownAt),
  ]);
  return toCsv([['異常清單(要點 八、九;僅供調查,非違規認定)'], headers, ...rows]);
}

function investigationsCsv(items: InvestigationDocument[]): string {
  const headers = ['調查案號', '機關代碼', '案由', '異常筆數', '狀態', '結論', '開案時間', '結案時間', '聯合稽核編號', '稽核報告期限'];
  const rows = items.map((i) => [
    i.investigationId, i.agencyCode, i.title, i.anomalyIds.length, STATE_LABEL[i.state], i.conclusion ? STATE_LABEL[i.conclusion] : '', rocTime(i.openedAt), rocTime(i.concludedAt),
    i.jointAudit?.jointAuditId ?? '', i.jointAudit ? rocDate(i.jointAudit.dueDate) : '',
  ]);
  return toCsv([['政風調查案件(要點 八、十二(二))'], headers, ...rows]);
}
