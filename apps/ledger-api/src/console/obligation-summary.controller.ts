import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Matches, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { OBLIGATION_KINDS, obligationCounts, type ObligationKind } from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { Roles, type AuthedRequest } from '../auth/auth.guard';
import { CLOCK, PROJECTION_RUNNERS, READ_MODELS, type Clock } from '../infrastructure/event-store.provider';
import { AsOfQueryDto, awaitMinPosition, MIN_POSITION_DOC, parseTimes } from '../reporting/as-of.dto';

export class ObligationSummaryQueryDto extends AsOfQueryDto {
  @ApiPropertyOptional({ example: 'SWD001' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_]{1,32}$/, { message: 'agency must be an agency code' })
  agency?: string;
}

interface Counts {
  open: number;
  overdue: number;
  met: number;
  metLate: number;
}

const zero = (): Counts => ({ open: 0, overdue: 0, met: 0, metLate: 0 });

/**
 * The dashboard's figures, counted where the obligations are: the browser gets a few hundred bytes
 * instead of every obligation, so its first content does not grow with the ledger (issue 14).
 */
@ApiTags('reports')
@ApiSecurity('api-key')
@Controller('obligation-summary')
export class ObligationSummaryController {
  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Get()
  @Roles('auditor', 'ethics')
  @ApiOperation({
    summary: 'Obligations counted by state (open, overdue, met, met late), by agency and by kind with its 要點 point and title',
    description: 'The same obligations and the same time rules as GET /obligations (asOf, knownAt, both), counted instead of listed.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        asOf: { kind: 'now', at: '2025-07-01T01:00:00.000Z' },
        totals: { open: 3, overdue: 1, met: 12, metLate: 2 },
        byAgency: [{ agencyCode: 'SWD001', open: 3, overdue: 1, met: 12, metLate: 2 }],
        byKind: [{ kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)', title: '使用者職務異動,於異動前或當日調整權限或刪除帳號', open: 0, overdue: 1, met: 3, metLate: 1 }],
      },
    },
  })
  @ApiHeader(MIN_POSITION_DOC)
  async summary(@Query() query: ObligationSummaryQueryDto, @Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response) {
    const times = parseTimes(query);
    const at = times.at ?? this.clock().toISOString();
    await awaitMinPosition(req, res, query, this.runners, ['obligations'], this.config.readWaitMs);
    // Counted by the store (a GROUP BY per state), never read out one by one: see obligationCounts.
    const counted = await obligationCounts(this.readModels, { at, knownAt: times.knownAt, agencyCode: query.agency });
    const totals = zero();
    const byAgency = new Map<string, Counts>();
    const byKind = new Map<string, Counts>();
    for (const [agencyCode, kinds] of Object.entries(counted)) {
      for (const [kind, c] of Object.entries(kinds)) {
        for (const counts of [totals, group(byAgency, agencyCode), group(byKind, kind)]) {
          counts.open += c!.open;
          counts.overdue += c!.overdue;
          counts.met += c!.met;
          counts.metLate += c!.metLate;
        }
      }
    }
    return {
      asOf: { kind: times.kind, at, ...(times.knownAt && { knownAt: times.knownAt }) },
      totals,
      byAgency: [...byAgency].sort(([a], [b]) => a.localeCompare(b)).map(([agencyCode, c]) => ({ agencyCode, ...c })),
      byKind: [...byKind]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([kind, c]) => ({ kind, rule: OBLIGATION_KINDS[kind as ObligationKind]?.rule ?? '', title: OBLIGATION_KINDS[kind as ObligationKind]?.title ?? kind, ...c })),
    };
  }
}

function group(map: Map<string, Counts>, key: string): Counts {
  let counts = map.get(key);
  if (!counts) map.set(key, (counts = zero()));
  return counts;
}

/** The kinds GET /obligations accepts, with their 要點 point and title: the console's filter lists them. */
@ApiTags('reports')
@ApiSecurity('api-key')
@Controller('obligation-kinds')
export class ObligationKindsController {
  @Get()
  @Roles('auditor', 'ethics', 'integrator')
  @ApiOperation({ summary: 'Every obligation kind the ledger tracks, with its 要點 point and its Traditional Chinese title' })
  @ApiOkResponse({ schema: { example: { kinds: [{ kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)', title: '使用者職務異動,於異動前或當日調整權限或刪除帳號' }] } } })
  kinds() {
    return { kinds: Object.entries(OBLIGATION_KINDS as Record<string, { rule: string; title: string }>).map(([kind, k]) => ({ kind, rule: k.rule, title: k.title })) };
  }
}
