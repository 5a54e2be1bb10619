import { applyDecorators, HttpCode, Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { REFUSALS, RefusalCode } from '@ledger/domain';
import { Roles } from '../../auth/auth.guard';
import type { Role } from '../../auth/principal';
import { problemTypeOf } from '../../common/problem.filter';

export class CommandResultView {
  @ApiProperty({ example: 'agency-SWD001' })
  streamId!: string;

  @ApiProperty({ example: 1, description: 'Revision of the stream after the command' })
  revision!: number;

  @ApiProperty({ example: '42', description: 'Global position of the last event appended; send it as `minPosition` (or header `X-Min-Position`) on a read to see this write' })
  position!: string;

  @ApiProperty({ example: '2025-07-01T01:30:00.120Z', nullable: true, description: 'Ledger time (UTC) the events were recorded at; null when nothing was appended' })
  recordedAt!: string | null;

  @ApiProperty({ example: ['0c1f4a7e-2b3d-5e6f-8a9b-0c1d2e3f4a5b'] })
  eventIds!: string[];

  @ApiProperty({ example: [{ type: 'AgencyApprovedForWebIR', revision: 1 }] })
  events!: { type: string; revision: number }[];

  @ApiProperty({ example: false, description: 'True when this commandId was already processed: nothing new was appended' })
  replayed!: boolean;
}

export class ProblemFieldView {
  @ApiProperty({ example: 'holder.nationalId' })
  field!: string;

  @ApiProperty({ example: 'isTaiwanId' })
  rule!: string;

  @ApiProperty({ example: 'nationalId must be a national ID or resident certificate number with a valid check digit' })
  message!: string;
}

/** application/problem+json as ProblemFilter writes it: RFC 9457 members, then the ledger's extensions. */
export class ProblemView {
  @ApiProperty({ example: 'https://webir-ledger.example/problems/application-not-complete', description: 'RFC 9457: a URI naming the problem; one per code' })
  type!: string;

  @ApiProperty({ example: 'Unprocessable Content', description: 'RFC 9457: the HTTP status phrase' })
  title!: string;

  @ApiProperty({ example: 422 })
  status!: number;

  @ApiProperty({ example: 'the application has not been signed through its whole chain', description: 'RFC 9457: this occurrence, in words (never an input value)' })
  detail!: string;

  @ApiProperty({ example: 'APPLICATION_NOT_COMPLETE' })
  code!: string;

  @ApiProperty({ example: 'the application has not been signed through its whole chain' })
  message!: string;

  @ApiPropertyOptional({ example: '要點 五(二)', description: 'The 要點 point a refused command breaks' })
  rule?: string;

  @ApiPropertyOptional({ type: [ProblemFieldView] })
  fields?: ProblemFieldView[];

  @ApiPropertyOptional({ example: { status: 'PENDING', approvedSteps: ['SUPERVISOR'] } })
  details?: Record<string, unknown>;
}

/** A refusal the domain may answer with: code and the 要點 point it cites. */
export type Refusal = [code: string, rule: string, message: string];

/** A refusal as the domain's catalogue defines it (REFUSALS): the code is type-checked, the rule is not copied. */
export function refusal(code: RefusalCode, example?: string): Refusal {
  return [code, REFUSALS[code].rule, example ?? REFUSALS[code].example];
}

export interface CommandRouteOptions {
  summary: string;
  /** Example stream id and the events the command appends; none for a command the domain always refuses. */
  streamId: string;
  events: string[];
  refusals?: Refusal[];
  /** Extra fields of the result beyond CommandResultView. */
  result?: Type<unknown>;
  resultExtras?: Record<string, unknown>;
  /** Who may send it; integrators unless said otherwise (政風's own records are kept by the ethics role). */
  roles?: Role[];
}

const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Content' };
const problem = (status: number, code: string, message: string, extra: Record<string, unknown> = {}) => ({
  type: problemTypeOf(code),
  title: TITLES[status],
  status,
  detail: message,
  code,
  message,
  ...extra,
});

/** Role, status and every documented answer of a command route, with examples; 401/403/409 are the same everywhere. */
export function CommandRoute(o: CommandRouteOptions) {
  const refusals = o.refusals ?? [];
  // Any command id reused for a different request, on any route (IETF Idempotency-Key draft).
  const reused: Refusal = ['COMMAND_ID_REUSED', 'IETF Idempotency-Key', 'this commandId (Idempotency-Key) was already used for a different request; send a new id for a new request'];
  const example = {
    streamId: o.streamId,
    revision: o.events.length,
    position: '42',
    eventIds: o.events.map((_, i) => `0c1f4a7e-2b3d-5e6f-8a9b-0c1d2e3f4a5${i}`),
    events: o.events.map((type, i) => ({ type, revision: i + 1 })),
    replayed: false,
    ...o.resultExtras,
  };
  return applyDecorators(
    HttpCode(201),
    Roles(...(o.roles ?? ['integrator'])),
    ApiOperation({ summary: o.summary, description: refusals.length ? `Refusals (422): ${refusals.map(([code, rule]) => `${code} (${rule})`).join(', ')}` : undefined }),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'The commandId as a header (IETF Idempotency-Key draft; a UUID, quoted or bare). Fills a body without commandId; differing from it is a 400.',
    }),
    ...(o.events.length ? [ApiCreatedResponse({ type: o.result ?? CommandResultView, description: 'Appended (or replayed for a known commandId)', example })] : []),
    ApiBadRequestResponse({
      type: ProblemView,
      description: 'A field is missing, unknown or invalid; the body names it (never its value)',
      example: problem(400, 'VALIDATION_FAILED', 'commandId: commandId must be a UUID', { fields: [{ field: 'commandId', rule: 'isUuid', message: 'commandId must be a UUID' }] }),
    }),
    ApiUnauthorizedResponse({ type: ProblemView, description: 'No or unknown API key', example: problem(401, 'API_KEY_MISSING', 'a valid X-API-Key header is required') }),
    ApiForbiddenResponse({
      type: ProblemView,
      description: 'Role not allowed, or the agency is not among the caller\'s (recorded in the security stream)',
      example: problem(403, 'AGENCY_OUT_OF_SCOPE', 'principal svc_dist002 may not send commands for agency SWD001'),
    }),
    ApiNotFoundResponse({ type: ProblemView, description: 'The stream the command acts on does not exist', example: problem(404, 'NOT_FOUND', 'account SWD001.USER.… not found') }),
    ApiConflictResponse({
      type: ProblemView,
      description: 'Lost a race: the stream changed while the command was decided; retry',
      example: problem(409, 'WRONG_EXPECTED_REVISION', 'the stream changed while the command was decided; read it again and retry'),
    }),
    ApiUnprocessableEntityResponse({
      type: ProblemView,
      description: 'A rule of the 要點 refuses the command, or its commandId was used for a different request; nothing is appended',
      examples: Object.fromEntries([...refusals, reused].map(([code, rule, message]) => [code, { summary: `${code} (${rule})`, value: problem(422, code, message, { rule }) }])),
    }),
  );
}

/** GET of one stream's folded state: readers, and integrators for their agencies. */
export function StateRoute(summary: string, type: Type<unknown>, example: Record<string, unknown>) {
  return applyDecorators(
    Roles('auditor', 'ethics', 'integrator'),
    ApiOperation({ summary, description: 'auditor and ethics read every agency; an integrator its own agencies, or all when it acts for the central admin or the competent authority (要點 三)' }),
    ApiOkResponse({ type, example }),
    ApiUnauthorizedResponse({ type: ProblemView, example: problem(401, 'API_KEY_MISSING', 'a valid X-API-Key header is required') }),
    ApiForbiddenResponse({ type: ProblemView, example: problem(403, 'AGENCY_OUT_OF_SCOPE', 'principal svc_dist002 may not send commands for agency SWD001') }),
    ApiNotFoundResponse({ type: ProblemView, example: problem(404, 'NOT_FOUND', 'agency SWD001 not found') }),
  );
}
