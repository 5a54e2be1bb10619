import type { NextFunction, Request, Response } from 'express';

/**
 * The common case of a command's body read without body-parser's machinery: `Content-Type:
 * application/json` (or with `charset=utf-8`), a `Content-Length` within the limit, no
 * `Transfer-Encoding` or `Content-Encoding`. In a profile of `npm run bench:http`, body-parser
 * (raw-body, iconv-lite's decoder, on-finished, type-is, content-type) took ≈ 7 % of a command's
 * event-loop time to read a body of a few hundred bytes: this is one buffer, one decode and one
 * JSON.parse. Every other request (another media type or charset spelling, chunked, a missing,
 * zero or oversized length) is left to body-parser, registered after it, which answers exactly as
 * before (413 for a body over the limit, 415, …); so is a request this has already read, which
 * body-parser sees as finished.
 *
 * What it answers for the bodies it reads is body-parser's: `{}` for nothing but a byte-order
 * mark, `entity.parse.failed` (400) for text that is not a JSON object or array, `request.aborted`
 * and `request.size.invalid` (400) for a body cut short — errors the problem filter maps by their
 * `status` and `type`, never quoting the body.
 */
const PLAIN_JSON = new Set(['application/json', 'application/json; charset=utf-8', 'application/json;charset=utf-8']);
const DIGITS = /^\d{1,9}$/;
/** RFC 8259 whitespace (space, tab, line feed, carriage return) before the first value character, as body-parser's strict mode allows. */
const LEADING_WHITESPACE = /^[ \t\n\r]*/;

export class BodyReadError extends Error {
  constructor(
    readonly status: number,
    readonly type: 'entity.parse.failed' | 'request.aborted' | 'request.size.invalid',
    message: string,
  ) {
    super(message);
  }
  get statusCode(): number {
    return this.status;
  }
}

/** Whether this reader takes the request (see above); exported for its tests. */
export function isPlainJsonRequest(req: Pick<Request, 'headers'>, limit: number): boolean {
  const { headers } = req;
  const type = headers['content-type'];
  const length = headers['content-length'];
  if (type === undefined || length === undefined || headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return false;
  if (!PLAIN_JSON.has(type.toLowerCase()) || !DIGITS.test(length)) return false;
  const n = Number(length);
  return n > 0 && n <= limit;
}

/** body-parser's strict JSON parse: an object or array, or `{}` for an empty text. */
export function parseJsonText(text: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.length === 0) return {};
  const first = body[LEADING_WHITESPACE.exec(body)![0].length];
  if (first !== '{' && first !== '[') throw new BodyReadError(400, 'entity.parse.failed', 'the body is not a JSON object or array');
  try {
    return JSON.parse(body);
  } catch {
    throw new BodyReadError(400, 'entity.parse.failed', 'the body is not valid JSON');
  }
}

/** Finished as on-finished tells it (what body-parser checks first): the whole message parsed and its stream read to the end. */
const isRead = (req: Request): boolean => req.complete && !req.readable;

/** body-parser's middleware, not entered for a body already read (it would only find that out). */
export function unlessRead(parser: (req: Request, res: Response, next: NextFunction) => void) {
  return (req: Request, res: Response, next: NextFunction): void => (isRead(req) ? next() : parser(req, res, next));
}

export function plainJsonBodies(limit: number) {
  return function plainJsonBody(req: Request, _res: Response, next: NextFunction): void {
    // Read already (the batch route's reader runs before the general one), or not for this reader.
    if (isRead(req) || !isPlainJsonRequest(req, limit)) {
      next();
      return;
    }
    const length = Number(req.headers['content-length']);
    // Kept as they come, not in a buffer of the announced length allocated up front: a client that
    // announces the limit and sends nothing must not make the service hold the limit for it.
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('aborted', onError);
      next(error);
    };
    const onData = (chunk: Buffer) => {
      // Node's HTTP parser stops a body at its Content-Length; checked all the same before keeping it.
      if (received + chunk.length > length) {
        settle(new BodyReadError(400, 'request.size.invalid', 'the body is longer than its Content-Length'));
        return;
      }
      chunks.push(chunk);
      received += chunk.length;
    };
    const onEnd = () => {
      if (received !== length) {
        settle(new BodyReadError(400, 'request.size.invalid', 'the body is shorter than its Content-Length'));
        return;
      }
      try {
        const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received);
        (req as { body?: unknown }).body = parseJsonText(bytes.toString('utf8'));
      } catch (error) {
        settle(error);
        return;
      }
      settle();
    };
    // An error on the request stream or the client gone before the end: the body is cut short.
    const onError = () => settle(new BodyReadError(400, 'request.aborted', 'the request was aborted'));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('aborted', onError);
  };
}
