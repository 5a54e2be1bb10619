import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, urlencoded, type NextFunction, type Request, type Response } from 'express';
import { earlyKeylessLimit, keylessGate } from '../auth/rate-limit';
import { plainJsonBodies, unlessRead } from './json-body';

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
  if (charset === undefined || /^utf-?8$/i.test(charset.trim())) {
    next();
    return;
  }
  // Only a log upload may be Big5 (its path looked up only then: a command's body rarely names a charset).
  const upload = req.method === 'POST' && LOG_UPLOAD_ROUTES.includes(req.path) && /^(big5|cp950|x-big5|ms950)$/i.test(charset.trim());
  if (!upload) {
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

/** Called by bootstrap before the body parsers, so that the refusals above run first. */
export function configureHttpInput(app: INestApplication): void {
  const express = app as NestExpressApplication;
  keylessGate(app);
  express.use(earlyKeylessLimit(app));
  express.use(refuseEncodedBodies);
  // Registered first: the parser that reads a body marks it read, so the general limit below skips it.
  // The lean reader takes the common case; body-parser after it, everything else (json-body.ts).
  express.use(BATCH_ROUTES, plainJsonBodies(MAX_BATCH_BODY_BYTES));
  express.use(BATCH_ROUTES, unlessRead(json({ limit: MAX_BATCH_BODY_BYTES, inflate: false })));
  express.use(plainJsonBodies(MAX_BODY_BYTES));
  express.use(unlessRead(json({ limit: MAX_BODY_BYTES, inflate: false })));
  express.use(unlessRead(urlencoded({ limit: MAX_BODY_BYTES, extended: false, inflate: false })));
}
