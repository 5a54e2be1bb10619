import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';
import { earlyKeylessLimit, keylessGate } from '../auth/rate-limit';

/** Commands are small: the largest DTO is a few hundred bytes; 64 KiB leaves room without inviting floods. */
export const MAX_BODY_BYTES = 64 * 1024;
/** A batch of up to 1,000 query registrations (要點 九(一)), a few hundred bytes each; only on its route. */
export const MAX_BATCH_BODY_BYTES = 2 * 1024 * 1024;
export const BATCH_ROUTES = ['/query-registrations/batch'];
/** The WebIR log upload takes the file's own bytes (UTF-8 or Big5, 要點 九(二)) as a stream; the importer detects the encoding. */
export const LOG_UPLOAD_ROUTES = ['/query-logs'];

/**
 * Bodies are plain UTF-8 JSON. A compressed body is refused before anything inflates it (a small
 * gzip can inflate to gigabytes), and so is any charset but UTF-8; both with 415 naming the header.
 */
export function refuseEncodedBodies(req: Request, res: Response, next: NextFunction): void {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    res.status(415).type('application/problem+json').json(unsupported('Content-Encoding', 'UNSUPPORTED_CONTENT_ENCODING', 'bodies must not be compressed (Content-Encoding: identity)'));
    return;
  }
  const type = req.headers['content-type'];
  // The pattern only where a parameter can be: a bare `application/json` is the common case.
  const charset = typeof type === 'string' && type.includes(';') ? /;\s*charset\s*=\s*"?([^";]+)"?/i.exec(type)?.[1] : undefined;
  const upload = req.method === 'POST' && LOG_UPLOAD_ROUTES.includes(req.path) && /^(big5|cp950|x-big5|ms950)$/i.test(charset?.trim() ?? '');
  if (charset !== undefined && !upload && !/^utf-?8$/i.test(charset.trim())) {
    res.status(415).type('application/problem+json').json(unsupported('Content-Type', 'UNSUPPORTED_CHARSET', 'bodies must be JSON in UTF-8'));
    return;
  }
  next();
}

function unsupported(field: string, code: string, detail: string) {
  return {
    type: `https://webir-ledger.example/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: 'Unsupported Media Type',
    status: 415,
    detail,
    code,
    message: detail,
    fields: [{ field, rule: 'mediaType', message: detail }],
  };
}

/** What the general JSON parser's errors carry (status and type): the problem filter answers from them alone. */
function bodyError(type: string, message: string): Error {
  return Object.assign(new Error(message), { status: 400, statusCode: 400, expose: true, type });
}

const PLAIN_JSON_TYPES = new Set(['application/json', 'application/json; charset=utf-8']);
const DECIMAL = /^[1-9][0-9]{0,7}$/;

/**
 * The common body — `Content-Type: application/json` (UTF-8), a Content-Length within the limit, not
 * encoded — read and parsed directly: the general parser spends on content-type parsing, charset
 * lookup and stream decoding about as much as the rest of a small command's input handling. It
 * answers exactly as the general parser does (the same object, or the same 400 for a body that is
 * not a JSON object or array, or whose length does not match); every other request goes on to it.
 */
export function plainJsonBody(limit: number) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const length = req.headers['content-length'];
    const type = req.headers['content-type'];
    if (
      length === undefined ||
      type === undefined ||
      !DECIMAL.test(length) ||
      Number(length) > limit ||
      req.headers['transfer-encoding'] !== undefined ||
      req.headers['content-encoding'] !== undefined ||
      !PLAIN_JSON_TYPES.has(type.toLowerCase()) ||
      req.readableEnded ||
      req.readableFlowing !== null
    ) {
      next();
      return;
    }
    const expected = Number(length);
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('error', finish);
      if (error) {
        // Drained, as the general parser does, so the connection can answer.
        req.resume();
        next(error);
        return;
      }
      next();
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > expected) finish(bodyError('request.size.invalid', 'request size did not match content length'));
      else chunks.push(chunk);
    };
    const onAborted = () => finish(bodyError('request.aborted', 'request aborted'));
    const onEnd = () => {
      if (received !== expected) return finish(bodyError('request.size.invalid', 'request size did not match content length'));
      let text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // the general parser's decoder drops a BOM
      if (text.length === 0) {
        req.body = {};
        return finish();
      }
      // Strict, as the general parser: a JSON object or array only.
      const first = /\S/.exec(text)?.[0];
      if (first !== '{' && first !== '[') return finish(bodyError('entity.parse.failed', 'the body is not a JSON object or array'));
      try {
        req.body = JSON.parse(text) as unknown;
      } catch {
        return finish(bodyError('entity.parse.failed', 'the body is not valid JSON'));
      }
      finish();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', finish);
  };
}

/** Called by bootstrap before the body parsers, so that the refusals above run first. */
export function configureHttpInput(app: INestApplication): void {
  const express = app as NestExpressApplication;
  keylessGate(app);
  express.use(earlyKeylessLimit(app));
  express.use(refuseEncodedBodies);
  // Registered first: the parser that reads a body marks it read, so the general limit below skips it.
  express.use(BATCH_ROUTES, json({ limit: MAX_BATCH_BODY_BYTES, inflate: false }));
  express.use(plainJsonBody(MAX_BODY_BYTES));
  express.useBodyParser('json', { limit: MAX_BODY_BYTES, inflate: false });
  express.useBodyParser('urlencoded', { limit: MAX_BODY_BYTES, extended: false, inflate: false });
}
