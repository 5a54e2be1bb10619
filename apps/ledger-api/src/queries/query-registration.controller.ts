import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiProperty, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { queryRegistrationDecider, queryRegistrationStreamId } from '@ledger/domain';
import { AuthedRequest, Roles } from '../auth/auth.guard';
import { envelopeOf } from '../common/command.dto';
import { AccessScope } from '../access/shared/access-scope';
import { AccessStates } from '../access/shared/access-states';
import { CommandRoute, Refusal, StateRoute, refusal } from '../access/shared/openapi';
import { RECORD_ID } from '../access/shared/validators';
import { QueryRegistrationFields, QuerySubjectDto, RegisterQueryBatchDto, RegisterQueryDto, MAX_BATCH } from './query-registration.dto';
import { BatchOutcome, QueryRegistrationService } from './query-registration.handler';
import { BatchBodyPipe, SingleBodyPipe } from './query-registration.batch-body';

/**
 * The batch body's type as the route declares it: an interface, so the application's pipe leaves
 * the class checks to BatchBodyPipe (it still inspects the body for identifiers and depth).
 */
interface RegisterQueryBatchBody extends RegisterQueryBatchDto {
  registrations: QueryRegistrationFields[];
}

/** The single route's body, declared as an interface for the same reason: SingleBodyPipe checks it. */
interface RegisterQueryBody extends RegisterQueryDto {
  subject: QuerySubjectDto;
}

const STREAM = 'queryregistration-SWD001_2025_000123';
const REFUSALS: Refusal[] = [
  refusal('QUERY_ACCOUNT_NOT_ACTIVE'),
  refusal('QUERY_ITEM_NOT_GRANTED_TO_AGENCY'),
  refusal('QUERY_ITEM_NOT_GRANTED_TO_ACCOUNT'),
  refusal('QUERY_REGISTRATION_CONFLICT'),
];

export class RegistrationIdParam {
  @ApiProperty({ example: 'SWD001_2025_000123' })
  @Matches(RECORD_ID, { message: 'registrationId must be 1–64 letters, digits, "_" or ":"' })
  registrationId!: string;
}

/** 要點 九(一): every query is preceded by its registration (查詢資料登記表). */
@ApiTags('queries')
@ApiSecurity('api-key')
@Controller('query-registrations')
export class QueryRegistrationController {
  constructor(
    private readonly registrations: QueryRegistrationService,
    private readonly scope: AccessScope,
    private readonly states: AccessStates,
  ) {}

  @Post()
  @CommandRoute({
    summary: 'Register a query before it is made: account, planned time, item, case number, reason and subject (要點 九(一)); sending it again appends nothing',
    streamId: STREAM,
    events: ['QueryRegistered'],
    refusals: REFUSALS,
  })
  @ApiBody({ type: RegisterQueryDto })
  async register(@Body(SingleBodyPipe) dto: RegisterQueryBody, @Req() req: AuthedRequest) {
    await this.scope.assertMaySend(req, dto.agencyCode);
    const { commandId, occurredAt, correlationId, causationId, ...fields } = dto;
    return this.registrations.register(fields, envelopeOf({ commandId, occurredAt, correlationId, causationId }, req.principal.id));
  }

  @Post('batch')
  @HttpCode(200)
  @Roles('integrator')
  @ApiOperation({
    summary: `Register up to ${MAX_BATCH} queries in one call (要點 九(一)); each has its own outcome: REGISTERED, ALREADY_REGISTERED or REFUSED with its rule code`,
  })
  @ApiBody({ type: RegisterQueryBatchDto })
  @ApiOkResponse({
    description: 'One outcome per registration, in the order sent; a refused one appended nothing',
    example: {
      outcomes: [
        { registrationId: 'SWD001_2025_000123', status: 'REGISTERED', streamId: STREAM, position: '42' },
        { registrationId: 'SWD001_2025_000124', status: 'REFUSED', code: 'QUERY_ACCOUNT_NOT_ACTIVE', rule: '要點 六', message: 'the account is DISABLED at the planned query time' },
      ],
    },
  })
  async registerBatch(@Body(BatchBodyPipe) dto: RegisterQueryBatchBody, @Req() req: AuthedRequest): Promise<{ outcomes: BatchOutcome[] }> {
    for (const agencyCode of new Set(dto.registrations.map((r) => r.agencyCode))) await this.scope.assertMaySend(req, agencyCode);
    const { commandId, occurredAt, correlationId, causationId } = dto;
    const outcomes = await this.registrations.registerBatch(dto.registrations, envelopeOf({ commandId, occurredAt, correlationId, causationId }, req.principal.id));
    return { outcomes };
  }

  /** The subject is never returned, not even encrypted: its person id would let a reader link queries about one person. */
  @Get(':registrationId')
  @StateRoute('One query registration, without its subject', Object, {
    streamId: STREAM,
    revision: 0,
    state: { status: 'REGISTERED', registrationId: 'SWD001_2025_000123', agencyCode: 'SWD001', operationCode: 'LI_ENROLMENT' },
  })
  async get(@Param() { registrationId }: RegistrationIdParam, @Req() req: AuthedRequest) {
    const view = await this.states.existing(queryRegistrationStreamId(registrationId), queryRegistrationDecider, 'query registration', registrationId);
    if (view.state.status !== 'REGISTERED') return view;
    await this.scope.assertMayRead(req, view.state.agencyCode);
    const { subject: _subject, ...withoutSubject } = view.state;
    return { ...view, state: withoutSubject };
  }
}
