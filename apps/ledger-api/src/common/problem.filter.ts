import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApiKeyNotFoundError } from '../auth/api-key.service';
import { DomainRuleError, NotFoundError, ValidationError } from '@ledger/domain';
import { InvalidPersonalIdentifierError, InvalidPersonIdError, PersonalDataErasedError } from '@ledger/personal-data';
import {
  busyAsUnavailable,
  DuplicateEventIdError,
  InvalidStreamIdError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
} from '@ledger/event-store';

export interface Problem {
  status: number;
  code: string;
  message: string;
  /** RFC 9457 members, added by withProblemDetails: a URI per code, the status phrase, the message. */
  type?: string;
  title?: string;
  detail?: string;
  rule?: string;
  fields?: { field: string; rule: string; message: string }[];
  details?: Record<string, unknown>;
}

/** The one place coded errors become HTTP: 400 validation, 404, 409 concurrency, 422 rule, 503 store. */
export function toProblem(error: unknown): Problem {
  if (error instanceof DomainRuleError) {
    return { status: 422, code: error.code, rule: error.rule, message: error.message, details: error.details };
  }
  if (error instanceof NotFoundError) return { status: 404, code: error.code, message: error.message };
  if (error instanceof ValidationError) {
    return { status: 400, code: error.code, message: error.message, fields: [{ field: error.field, rule: 'domain', message: error.reason }] };
  }
  if (error instanceof InvalidPersonalIdentifierError) {
    return { status: 400, code: 'VALIDATION_FAILED', message: error.message, fields: [{ field: error.field, rule: error.rule, message: error.message }] };
  }
  if (error instanceof InvalidPersonIdError) {
    return { status: 400, code: 'VALIDATION_FAILED', message: error.message, fields: [{ field: 'personId', rule: error.rule, message: error.message }] };
  }
  if (error instanceof PersonalDataErasedError) return { status: 410, code: error.code, message: error.message };
  if (error instanceof WrongExpectedRevisionError) {
    return {
      status: 409,
      code: error.code,
      message: 'the stream changed while the command was decided; read it again and retry',
      details: { streamId: error.streamId, expected: error.expected, actual: error.actual },
    };
  }
  if (error instanceof DuplicateEventIdError) return { status: 409, code: error.code, message: error.message };
  if (error instanceof InvalidStreamIdError) return { status: 400, code: error.code, message: error.message };
  if (error instanceof StoreUnavailableError) return { status: 503, code: error.code, message: error.message };
  if (error instanceof ApiKeyNotFoundError) return { status: 404, code: error.code, message: error.message };
  // An embedded file (the key vault, a job log, the event log) whose write lock another process kept
  // past the busy timeout: nothing was written, the same request may be sent again.
  const busy = busyAsUnavailable(error, 'an embedded ledger file');
  if (busy instanceof StoreUnavailableError) return { status: 503, code: busy.code, message: 'an embedded ledger file is busy with another process; send the request again' };
  const parserError = bodyParserProblem(error);
  if (parserError) return parserError;
  if (error instanceof HttpException) {
    const body = error.getResponse();
    if (typeof body === 'object' && body && 'code' in body) return { status: error.getStatus(), ...(body as object) } as Problem;
    const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? error.message);
    // Nest turns the JSON parser's error into a 400 whose message quotes the body: never echo it.
    if (error.getStatus() === 400 && /JSON|Unexpected (token|end)|position \d/i.test(String(message))) {
      return { status: 400, code: 'INVALID_JSON', message: 'the body is not valid JSON', fields: [{ field: 'body', rule: 'json', message: 'the body is not valid JSON' }] };
    }
    return { status: error.getStatus(), code: `HTTP_${error.getStatus()}`, message: String(message) };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

/** Errors of the body parser (http-errors objects with a 4xx status): never a 500, never the body echoed. */
function bodyParserProblem(error: unknown): Problem | undefined {
  if (error instanceof HttpException || error === null || typeof error !== 'object') return undefined;
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  switch (type) {
    case 'entity.too.large':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'the body is larger than the limit', fields: [{ field: 'body', rule: 'maxBytes', message: 'the body is larger than the limit' }] };
    case 'charset.unsupported':
      return { status: 415, code: 'UNSUPPORTED_CHARSET', message: 'bodies must be JSON in UTF-8', fields: [{ field: 'Content-Type', rule: 'mediaType', message: 'bodies must be JSON in UTF-8' }] };
    case 'encoding.unsupported':
      return { status: 415, code: 'UNSUPPORTED_CONTENT_ENCODING', message: 'bodies must not be compressed', fields: [{ field: 'Content-Encoding', rule: 'mediaType', message: 'bodies must not be compressed' }] };
    case 'entity.parse.failed':
      // The parser's message quotes the body; say only that it is not JSON.
      return { status: 400, code: 'INVALID_JSON', message: 'the body is not valid JSON', fields: [{ field: 'body', rule: 'json', message: 'the body is not valid JSON' }] };
    default:
      return { status, code: `HTTP_${status}`, message: 'the request could not be read' };
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict', 410: 'Gone',
  413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};
/** Base of the `type` URIs: one per code, documented in the README's error section. */
export const PROBLEM_TYPE_BASE = 'https://webir-ledger.example/problems/';
export const problemTypeOf = (code: string) => `${PROBLEM_TYPE_BASE}${code.toLowerCase().replace(/_/g, '-')}`;

/** RFC 9457 problem details, keeping `code`, `message`, `rule` and `fields` as extension members. */
export function withProblemDetails(problem: Problem): Problem {
  const { status, code, message } = problem;
  return { type: problemTypeOf(code), title: TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error'), detail: message, ...problem };
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const problem = withProblemDetails(toProblem(error));
    // Only the error's class and code are logged: messages of unknown errors may carry payload.
    if (problem.status === 503) this.logger.warn(`${(error as Error)?.name ?? 'Error'} ${problem.code}`);
    else if (problem.status >= 500) this.logger.error(`${(error as Error)?.name ?? 'Error'} ${problem.code}`, (error as Error)?.stack);
    const response = host.switchToHttp().getResponse<Response>();
    // A store that is down or busy for now: worth trying again shortly.
    if (problem.status === 503) response.setHeader('Retry-After', '1');
    response.status(problem.status).type('application/problem+json').json(problem);
  }
}
