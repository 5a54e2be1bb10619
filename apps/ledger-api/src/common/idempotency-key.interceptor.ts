import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { isUUID } from 'class-validator';
import type { Observable } from 'rxjs';
import { ValidationError } from '@ledger/domain';
import { CommandDto } from './command.dto';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** The draft sends the key as a Structured Field string (`"…"`); a bare token is accepted too. */
function parseKey(raw: string): string {
  const trimmed = raw.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

function takesCommand(context: ExecutionContext): boolean {
  const params: unknown[] = Reflect.getMetadata('design:paramtypes', context.getClass().prototype, context.getHandler().name) ?? [];
  return params.some((type) => typeof type === 'function' && (type === CommandDto || type.prototype instanceof CommandDto));
}

/**
 * `Idempotency-Key` (IETF draft) is the commandId sent as a header: it fills a body without one,
 * must equal it when both are sent, and is refused (400 naming the header) on routes that take no
 * command — silently ignoring a key would let a client believe its retries were safe. Runs before
 * the validation pipe, so the body is validated with the key in place.
 */
@Injectable()
export class IdempotencyKeyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request>();
    const raw = req.headers['idempotency-key'];
    if (raw === undefined) return next.handle();
    if (Array.isArray(raw)) throw new ValidationError(IDEMPOTENCY_KEY_HEADER, 'must be sent once');
    const key = parseKey(raw);
    if (!isUUID(key)) throw new ValidationError(IDEMPOTENCY_KEY_HEADER, 'must be a UUID (the commandId)');
    if (!takesCommand(context)) throw new ValidationError(IDEMPOTENCY_KEY_HEADER, 'is not accepted on this route: it takes no command');
    const body = req.body as Record<string, unknown> | undefined;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return next.handle();
    if (body.commandId === undefined) body.commandId = key;
    else if (typeof body.commandId !== 'string' || body.commandId.toLowerCase() !== key.toLowerCase()) {
      throw new ValidationError(IDEMPOTENCY_KEY_HEADER, 'differs from the commandId in the body; send one id, or the same id in both');
    }
    return next.handle();
  }
}
