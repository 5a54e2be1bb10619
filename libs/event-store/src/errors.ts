export class WrongExpectedRevisionError extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: string,
    /** -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected revision ${expected}, actual ${actual === -1 ? 'no_stream' : actual}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export class InvalidStreamIdError extends Error {
  readonly code = 'INVALID_STREAM_ID';
  constructor(readonly streamId: string) {
    super(`stream id "${streamId}" must be category-id with exactly one dash, both parts non-empty`);
    this.name = 'InvalidStreamIdError';
  }
}

/** An event id is already stored, but the append is not an exact retry of the earlier one. */
export class DuplicateEventIdError extends Error {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(readonly eventId: string, readonly streamId: string) {
    super(`event id ${eventId} is already stored and this append to ${streamId} is not an exact retry`);
    this.name = 'DuplicateEventIdError';
  }
}

export class StoreUnavailableError extends Error {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * SQLite's "database is locked" (SQLITE_BUSY…, SQLITE_LOCKED…): another connection (a projector, an
 * import, another instance) kept the file's write lock past the busy timeout. Nothing of the refused
 * write was kept, so it may be tried again: reported as the store being unavailable for now (a 503
 * to a client, a backoff to a projection runner), not as a failure. Anything else is returned as is.
 */
export function busyAsUnavailable(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) {
    return new StoreUnavailableError(`${file} busy: another connection held its write lock past the busy timeout (${(error as Error).message})`, error);
  }
  return error;
}
