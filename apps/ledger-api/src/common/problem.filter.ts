import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainRuleError, NotFoundError, ValidationError } from '@ledger/domain';
import { InvalidPersonalIdentifierError, InvalidPersonIdError, PersonalDataErasedError } from '@ledger/personal-data';
import {
  DuplicateEventIdError,
  InvalidStreamIdError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
} from '@ledger/event-store';

export interface Problem {
  status: number;
  code: string;
  message: string;
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
  if (error instanceof HttpException) {
    const body = error.getResponse();
    if (typeof body === 'object' && body && 'code' in body) return { status: error.getStatus(), ...(body as object) } as Problem;
    const message = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? error.message);
    return { status: error.getStatus(), code: `HTTP_${error.getStatus()}`, message: String(message) };
  }
  // The body parser's own client errors (too large, malformed JSON) come as http-errors with `expose`.
  const http = error as { status?: unknown; expose?: unknown; type?: unknown };
  if (http?.expose === true && typeof http.status === 'number' && http.status >= 400 && http.status < 500) {
    return { status: http.status, code: `HTTP_${http.status}`, message: typeof http.type === 'string' ? http.type : 'bad request' };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal error' };
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const problem = toProblem(error);
    // Only the error's class and code are logged: messages of unknown errors may carry payload.
    if (problem.status >= 500) this.logger.error(`${(error as Error)?.name ?? 'Error'} ${problem.code}`, (error as Error)?.stack);
    const response = host.switchToHttp().getResponse<Response>();
    response.status(problem.status).type('application/problem+json').json(problem);
  }
}
