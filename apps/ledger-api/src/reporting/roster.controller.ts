import { Controller, ForbiddenException, Get, Inject, Logger, Param, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { isUnreadablePersonalData, PersonalDataErasedError, PersonalDataProtector, maskName, maskNationalId } from '@ledger/personal-data';
import { rocDate, RosterAsOf, RosterEntry, rosterOf, RosterResult, taipeiDate } from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { assertAgencyScope, AuthedRequest, Roles } from '../auth/auth.guard';
import { SecurityLogService } from '../auth/security-log.service';
import { CLOCK, Clock, PERSONAL_DATA, PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { AsOfQueryDto, awaitMinPosition, fieldError, MIN_POSITION_DOC, parseTimes, TimeSelection } from './as-of.dto';
import { AgencyCodeParam } from '../access/shared/validators';
import { NotFoundError } from '@ledger/domain';
import { toCsv } from './csv';
import { PersonalDataReadLog } from './personal-data-reads.service';

export class RosterQueryDto extends AsOfQueryDto {
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Unmasked holders (auditor, ethics): needs a purpose and is recorded' })
  @IsOptional()
  @IsIn(['true', 'false'])
  reveal?: 'true' | 'false';

  @ApiPropertyOptional({ example: '勞保局114年度稽核:提供使用者清冊', description: 'Why unmasked data is needed; recorded with the read' })
  @IsOptional()
  @IsString()
  @MinLength(4)
  @MaxLength(200)
  purpose?: string;
}

const KIND_LABEL = { ADMIN: '管理者', USER: '使用者' } as const;
const STATUS_LABEL = { ACTIVE: '啟用', DISABLED: '停用', DELETED: '刪除' } as const;
const REVEALING_ROLES = ['auditor', 'ethics', 'admin'];

type Holder = { nationalId: string; name: string; myEGovAccountId: string } | { erased: true } | { unreadable: true } | { withheld: true };
const ERASED = '(已依規定刪除)';
const UNREADABLE = '(無法解密:個人資料完整性異常)';

@ApiTags('reports')
@ApiSecurity('api-key')
@Controller('agencies/:agencyCode/roster')
export class RosterController {
  private readonly logger = new Logger(RosterController.name);

  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PERSONAL_DATA) private readonly personalData: PersonalDataProtector,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly reads: PersonalDataReadLog,
    private readonly security: SecurityLogService,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Get()
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({
    summary: '使用者清冊 (要點 十二(五)): the roster today, as of a business date, or as the ledger knew it at a time',
    description:
      'Business time (`asOf`): what was in force then; a post change counts from its effective date, not from when it was reported. Ledger time (`knownAt`): only what the ledger had recorded by then. ' +
      'Both: the roster in force on asOf as the ledger knew it at knownAt (what the agency could have given BLI that day). Example: a move reported 2025-03-15 effective 2025-03-31 shows from asOf=2025-03-31; ' +
      'a disable that happened 2025-06-30 but was recorded 2025-07-05 is missing from asOf=2025-06-30&knownAt=2025-07-01 and present with knownAt=2025-07-05.',
  })
  @ApiHeader(MIN_POSITION_DOC)
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description: 'JSON, or CSV (UTF-8 with BOM, Traditional Chinese title and headers, ROC dates)',
    schema: {
      example: {
        title: '使用者清冊', rule: '要點 十二(五)', agencyCode: 'SWD001',
        agency: { agencyCode: 'SWD001', name: '臺北市政府社會局', role: 'DATA_REQUESTER', lastAccessReviewId: 'SWD001_2025', lastAccessReviewClosedAt: '2025-06-15T02:00:00.000Z' },
        asOf: { kind: 'business-date', at: '2025-06-30T15:59:59.999Z' }, masked: true, generatedAt: '2025-07-01T01:00:00.000Z',
        entries: [{
          accountId: 'SWD001.USER.3b1f…', agencyCode: 'SWD001', kind: 'USER', kindLabel: '使用者', status: 'ACTIVE', statusLabel: '啟用', incarnation: 1,
          holder: { nationalId: 'B22****782', name: '陳○玲' }, myEGovAccountId: 'e○○○○○○○n', post: '社工員', unit: '社會救助科', queryItems: ['LI_ENROLMENT'],
          applicationId: 'SWD_user_1', createdAt: '2025-03-03T01:00:00.000Z', approvedAt: '2025-03-02T01:00:00.000Z', disabledAt: null, deletedAt: null,
          lastReviewId: 'SWD001_2025', lastReviewedAt: '2025-06-15T01:00:00.000Z', lastReviewFinding: 'FINE',
        }],
      },
    },
  })
  async roster(@Param() { agencyCode }: AgencyCodeParam, @Query() query: RosterQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    // Integrators get the accounts their work needs, never a holder identifier, not even masked:
    // a masked ID next to an account id is a guessing aid (issue 7, finding 3).
    const integratorOnly = req.principal.roles.includes('integrator') && !req.principal.roles.some((r) => REVEALING_ROLES.includes(r));
    if (integratorOnly) await assertAgencyScope(this.security, req, agencyCode);
    const times = parseTimes(query);
    const at = times.at;
    const reveal = query.reveal === 'true';
    if (reveal) {
      if (!req.principal.roles.some((r) => REVEALING_ROLES.includes(r))) {
        await this.security.refused({ actor: req.principal.id, method: req.method, route: req.route.path, reason: 'ROLE', detail: 'reveal' });
        throw new ForbiddenException({ code: 'REVEAL_NOT_ALLOWED', message: 'only auditor and ethics roles may see unmasked holders' });
      }
      if (!query.purpose) throw fieldError('purpose', 'a stated purpose is required to reveal personal data');
    }
    await awaitMinPosition(req, res, query, this.runners, ['roster'], this.config.readWaitMs);
    const result = await rosterOf(this.readModels, agencyCode, rosterAsOf(times), this.clock().toISOString());
    if (!result.agency) throw new NotFoundError('agency', agencyCode);
    if (reveal && result.entries.length > 0) {
      await this.reads.record({
        reader: req.principal.id,
        roles: req.principal.roles,
        purpose: query.purpose!,
        route: req.route.path,
        agencyCode,
        accountIds: result.entries.map((e) => e.accountId),
        fields: ['nationalId', 'name'],
      });
    }
    const holders: Holder[] = integratorOnly ? result.entries.map(() => ({ withheld: true as const })) : await Promise.all(result.entries.map((e) => this.holder(e, reveal)));
    if (query.format === 'csv') {
      const day = at ? taipeiDate(at) : taipeiDate(this.clock());
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="roster-${agencyCode}-${day}.csv"`);
      return this.csv(result, holders, day);
    }
    return {
      title: '使用者清冊',
      rule: '要點 十二(五)',
      agencyCode,
      agency: result.agency,
      asOf: result.asOf,
      masked: !reveal,
      generatedAt: this.clock().toISOString(),
      entries: result.entries.map((e, i) => this.view(e, holders[i])),
    };
  }

  private async holder(entry: RosterEntry, reveal: boolean): Promise<Holder> {
    try {
      const [nationalId, name, myEGovAccountId] = await Promise.all([
        this.personalData.reveal(entry.personId, entry.nationalIdCiphertext, 'nationalId'),
        this.personalData.reveal(entry.personId, entry.nameCiphertext, 'name'),
        this.personalData.reveal(entry.personId, entry.myEGovAccountId, 'myEGovAccountId'),
      ]);
      return reveal ? { nationalId, name, myEGovAccountId } : { nationalId: maskNationalId(nationalId), name: maskName(name), myEGovAccountId: maskName(myEGovAccountId) };
    } catch (error) {
      if (error instanceof PersonalDataErasedError) return { erased: true };
      // One damaged record must not hide the rest of the roster from an inspection; it is shown as
      // unreadable and logged (random person id only) for whoever keeps the vault to investigate.
      if (isUnreadablePersonalData(error)) {
        this.logger.warn({ personId: entry.personId, accountId: entry.accountId, reason: error.name }, 'roster holder data could not be decrypted');
        return { unreadable: true };
      }
      throw error;
    }
  }

  private view(e: RosterEntry, holder: Holder) {
    // myEGovAccountId is stored sealed; readers get it inside `holder`, like the other holder data.
    const { personId, holderKey, nationalIdCiphertext, nameCiphertext, myEGovAccountId, ...rest } = e;
    const labels = { kindLabel: KIND_LABEL[e.kind], statusLabel: STATUS_LABEL[e.status] };
    if ('withheld' in holder) return { ...rest, ...labels };
    if ('erased' in holder) return { ...rest, holder, myEGovAccountId: ERASED, ...labels };
    if ('unreadable' in holder) return { ...rest, holder, myEGovAccountId: UNREADABLE, ...labels };
    const { myEGovAccountId: myEGov, ...person } = holder;
    return { ...rest, holder: person, myEGovAccountId: myEGov, ...labels };
  }

  private csv(result: RosterResult, holders: Holder[], day: string): string {
    const basis =
      result.asOf.kind === 'current'
        ? '現況'
        : result.asOf.kind === 'business-date'
          ? `截至${rocDate(day)}(依生效時間)`
          : result.asOf.kind === 'ledger-time'
            ? `${rocDate(day)}帳本所知(依登錄時間)`
            : `截至${rocDate(day)}(依生效時間),以${rocDate(taipeiDate(result.asOf.knownAt))}帳本所知為準`;
    const title = [`使用者清冊(要點 十二(五))`, `機關:${result.agency?.name ?? ''}(${result.agencyCode})`, `基準:${basis}`];
    const headers = ['機關代碼', '帳號代碼', '帳號類別', '身分證統一編號', '姓名', '帳號狀態', '職稱', '單位', '查調項目', '建立日期', '核准日期', '停用日期', '刪除日期', '最近權限清查日期', '清查結果'];
    const d = (iso: string | null) => (iso ? rocDate(taipeiDate(iso)) : '');
    const rows = result.entries.map((e, i) => {
      const h = holders[i];
      return [
        e.agencyCode, e.accountId, KIND_LABEL[e.kind],
        'erased' in h ? ERASED : 'unreadable' in h ? UNREADABLE : 'withheld' in h ? '' : h.nationalId, 'erased' in h ? ERASED : 'unreadable' in h ? UNREADABLE : 'withheld' in h ? '' : h.name,
        STATUS_LABEL[e.status], e.post, e.unit, e.queryItems.join(' '),
        d(e.createdAt), d(e.approvedAt), d(e.disabledAt), d(e.deletedAt), d(e.lastReviewedAt), e.lastReviewFinding ?? '',
      ];
    });
    return toCsv([title, headers, ...rows]);
  }
}

function rosterAsOf(times: TimeSelection): RosterAsOf {
  if (times.kind === 'bitemporal') return { kind: 'bitemporal', at: times.at!, knownAt: times.knownAt! };
  if (times.kind === 'now') return { kind: 'current' };
  return { kind: times.kind, at: times.at! };
}
