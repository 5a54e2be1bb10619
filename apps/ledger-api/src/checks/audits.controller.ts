import { Body, Controller, Get, NotFoundException, Param, Post, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { NotFoundError } from '@ledger/domain';
import { AuthedRequest, Roles } from '../auth/auth.guard';
import { envelopeOf } from '../common/command.dto';
import { AccessScope } from '../access/shared/access-scope';
import { CommandRoute, refusal } from '../access/shared/openapi';
import { AuditFindingParams, AuditIdParam, BreachReviewDto, FileAuditDto, JointAuditFindingParams, JointAuditIdParam, JointAuditReportDto } from './checks.dto';
import { ChecksScope } from './checks-scope';
import { ChecksService } from './checks.service';

/** Nested DTOs are class instances; the request is fingerprinted and recorded as plain JSON. */
const plainFindings = (findings: { description: string; breach: boolean; rule?: string }[]) =>
  findings.map(({ description, breach, rule }) => ({ description, breach, ...(rule !== undefined && { rule }) }));

const REVIEW_REFUSALS = [refusal('FINDING_NOT_A_BREACH'), refusal('BREACH_REVIEW_ALREADY_SUBMITTED'), refusal('REVIEW_RECIPIENT_NOT_COMPETENT_AUTHORITY')];

/** 要點 十二(二)(三)(四): audits, joint audits after a major anomaly, and the review of every breach found. */
@ApiTags('audits')
@ApiSecurity('api-key')
@Controller()
export class AuditsController {
  constructor(
    private readonly checks: ChecksService,
    private readonly scope: ChecksScope,
    private readonly access: AccessScope,
  ) {}

  @Post('audits')
  @CommandRoute({
    summary: "File an audit report with its findings: a body's yearly self-audit including its work with BLI data, or the competent authority's audit of a requester with the central admin, with any proposal of rewards or penalties (要點 十二(三)(四))",
    streamId: 'audit-SWD001_2025_self',
    events: ['AuditReportFiled'],
    refusals: [
      refusal('AUDIT_MUST_COVER_BLI_DATA_WORK'),
      refusal('AUDIT_ALREADY_FILED'),
      refusal('AUDITED_AGENCY_NOT_REGISTERED'),
      refusal('AUDIT_SUBJECT_NOT_REQUESTER'),
      refusal('REQUESTER_AUDIT_NEEDS_CENTRAL_ADMIN'),
      refusal('AUDIT_PROPOSAL_NOT_APPLICABLE'),
    ],
  })
  async fileAudit(@Body() dto: FileAuditDto, @Req() req: AuthedRequest) {
    const { commandId, occurredAt, correlationId, causationId, ...input } = dto;
    let competentAuthorityCode: string | undefined;
    // 要點 十二(三): a body audits itself; the competent authority (with the central admin) audits requesters.
    if (input.kind === 'SELF_AUDIT') await this.scope.assertActsForAgency(req, input.auditedAgencyCode, 'file its self-audit');
    else competentAuthorityCode = await this.access.assertActsFor(req, 'COMPETENT_AUTHORITY', 'audit a requester agency');
    const proposals = input.proposals?.map(({ kind, text }) => ({ kind, text }));
    const fields = { ...input, findings: plainFindings(input.findings), ...(proposals && { proposals }), ...(competentAuthorityCode && { competentAuthorityCode }) };
    return this.checks.fileAudit(fields, envelopeOf({ commandId, occurredAt, correlationId, causationId }, req.principal.id));
  }

  @Get('audits/:auditId')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({ summary: 'An audit report with its findings and the breaches reviewed since (要點 十二(三)(四)(十一))' })
  @ApiOkResponse({ schema: { example: { streamId: 'audit-SWD001_2025_self', revision: 1, state: { status: 'FILED', auditId: 'SWD001_2025_self', kind: 'SELF_AUDIT', auditedAgencyCode: 'SWD001', findings: [{ findingNo: 1, description: '查詢紀錄單未按月列印', breach: true, rule: '要點 十二(一)' }], reviewed: [1], filedOn: '2025-06-20' } } } })
  async audit(@Param() { auditId }: AuditIdParam, @Req() req: AuthedRequest) {
    const view = await this.checks.audit(auditId);
    if (view.state.status === 'NONE') throw new NotFoundError('audit', auditId);
    await this.access.assertMayRead(req, view.state.auditedAgencyCode);
    return view;
  }

  @Post('audits/:auditId/findings/:findingNo/review-report')
  @CommandRoute({
    summary: 'The body in breach reports the correction (made at once) and its review to the competent authority; meets BREACH_CORRECTION_REPORT (要點 十二(四))',
    streamId: 'audit-SWD001_2025_self',
    events: ['BreachReviewReportSubmitted'],
    refusals: REVIEW_REFUSALS,
  })
  async reviewAuditBreach(@Param() { auditId, findingNo }: AuditFindingParams, @Body() dto: BreachReviewDto, @Req() req: AuthedRequest) {
    const view = await this.checks.audit(auditId);
    if (view.state.status === 'NONE') throw new NotFoundError('audit', auditId);
    await this.scope.assertActsForAgency(req, view.state.auditedAgencyCode, 'report on its breach');
    const { correctedOn, correction, review, competentAuthorityCode } = dto;
    return this.checks.reviewAuditBreach(auditId, findingNo, { correctedOn, correction, review, competentAuthorityCode }, envelopeOf(dto, req.principal.id));
  }

  @Post('joint-audits/:jointAuditId/report')
  @CommandRoute({
    summary: "The requester's checker with the ethics (政風) and IT units files the joint audit report after a major anomaly; meets JOINT_AUDIT_REPORT (要點 十二(二))",
    streamId: 'jointaudit-7d0c1f7e3f434c1b9a552f9e0b8a6c11',
    events: ['JointAuditReportFiled'],
    refusals: [refusal('JOINT_AUDIT_REPORT_ALREADY_FILED')],
  })
  async fileJointAuditReport(@Param() { jointAuditId }: JointAuditIdParam, @Body() dto: JointAuditReportDto, @Req() req: AuthedRequest) {
    const opened = await this.checks.openedJointAudit(jointAuditId);
    if (!opened) throw new NotFoundException({ code: 'NOT_FOUND', message: `joint audit ${jointAuditId} not found` });
    await this.scope.assertActsForAgency(req, opened.agencyCode, 'file its joint audit report');
    const { checkerPersonId, ethicsUnit, itUnit, conclusion, findings } = dto;
    return this.checks.fileJointAuditReport(jointAuditId, { checkerPersonId, ethicsUnit, itUnit, conclusion, findings: plainFindings(findings) }, envelopeOf(dto, req.principal.id));
  }

  @Get('joint-audits/:jointAuditId')
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({ summary: 'A joint audit report with its findings (要點 十二(二)(十一))' })
  @ApiOkResponse({ schema: { example: { streamId: 'jointaudit-7d0c1f7e3f434c1b9a552f9e0b8a6c11', revision: 0, state: { status: 'FILED', agencyCode: 'SWD001', findings: [], reviewed: [], filedOn: '2025-04-20' } } } })
  async jointAudit(@Param() { jointAuditId }: JointAuditIdParam, @Req() req: AuthedRequest) {
    const view = await this.checks.jointAudit(jointAuditId);
    if (view.state.status === 'NONE') throw new NotFoundError('joint audit report', jointAuditId);
    await this.access.assertMayRead(req, view.state.agencyCode);
    return view;
  }

  @Post('joint-audits/:jointAuditId/findings/:findingNo/review-report')
  @CommandRoute({
    summary: 'The review report of a breach the joint audit found, to the competent authority (要點 十二(四))',
    streamId: 'jointaudit-7d0c1f7e3f434c1b9a552f9e0b8a6c11',
    events: ['BreachReviewReportSubmitted'],
    refusals: REVIEW_REFUSALS,
  })
  async reviewJointAuditBreach(@Param() { jointAuditId, findingNo }: JointAuditFindingParams, @Body() dto: BreachReviewDto, @Req() req: AuthedRequest) {
    const view = await this.checks.jointAudit(jointAuditId);
    if (view.state.status === 'NONE') throw new NotFoundError('joint audit report', jointAuditId);
    await this.scope.assertActsForAgency(req, view.state.agencyCode, 'report on its breach');
    const { correctedOn, correction, review, competentAuthorityCode } = dto;
    return this.checks.reviewJointAuditBreach(jointAuditId, findingNo, { correctedOn, correction, review, competentAuthorityCode }, envelopeOf(dto, req.principal.id));
  }
}
