/**
 * A broken business rule (HTTP 422). `rule` cites the 要點 point, e.g. '要點 五(一)'.
 * Messages never carry personal data.
 */
export class DomainRuleError extends Error {
  constructor(
    readonly code: string,
    readonly rule: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainRuleError';
  }
}

/** The thing a command names does not exist (HTTP 404). */
export class NotFoundError extends Error {
  readonly code = 'NOT_FOUND';
  constructor(readonly entity: string, readonly id: string) {
    super(`${entity} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

/**
 * A command field is malformed (HTTP 400). The API validates first; the domain checks again
 * because stream ids and dates are built from these values and a bad one would corrupt a stream.
 * `reason` describes the expected shape, never the value received (it may be personal data).
 */
export class ValidationError extends Error {
  readonly code = 'VALIDATION_FAILED';
  constructor(readonly field: string, readonly reason: string) {
    super(`${field} ${reason}`);
    this.name = 'ValidationError';
  }
}
