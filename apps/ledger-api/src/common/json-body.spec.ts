import { Readable } from 'node:stream';
import { json } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { BodyReadError, isPlainJsonRequest, parseJsonText, plainJsonBodies, unlessRead } from './json-body';

type FakeRequest = Readable & { headers: Record<string, string>; complete: boolean; body?: unknown };

/** A request stream as the middleware sees it: headers, then the body's chunks, then its end (complete). */
function request(headers: Record<string, string>, chunks: (string | Buffer)[], end = true): FakeRequest {
  // A Readable, as an IncomingMessage is (a Duplex would pass for a response with on-finished).
  const req = new Readable({ read() {} }) as FakeRequest;
  req.headers = headers;
  req.complete = false;
  // on-finished (body-parser's first check) takes a request without a readable socket as finished.
  Object.assign(req, { socket: { readable: true } });
  setImmediate(() => {
    for (const c of chunks) req.push(c);
    if (end) {
      req.complete = true;
      req.push(null);
    }
  });
  return req;
}

const run = (middleware: (req: Request, res: Response, next: NextFunction) => void, req: FakeRequest) =>
  new Promise<unknown>((resolve) => middleware(req as unknown as Request, {} as Response, (error?: unknown) => resolve(error)));

const jsonHeaders = (body: string | Buffer, more: Record<string, string> = {}) => ({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...more });

describe('the lean reader of plain JSON bodies', () => {
  it('takes only application/json (or with charset=utf-8) with a Content-Length within the limit, no Transfer- or Content-Encoding', () => {
    const takes = (headers: Record<string, string>) => isPlainJsonRequest({ headers } as Request, 100);
    expect(takes({ 'content-type': 'application/json', 'content-length': '10' })).toBe(true);
    expect(takes({ 'content-type': 'Application/JSON; charset=UTF-8', 'content-length': '100' })).toBe(true);
    expect(takes({ 'content-type': 'application/json;charset=utf-8', 'content-length': '1' })).toBe(true);
    // Everything else is body-parser's, which answers as it always did.
    expect(takes({ 'content-type': 'application/json', 'content-length': '101' })).toBe(false);
    expect(takes({ 'content-type': 'application/json', 'content-length': '0' })).toBe(false);
    expect(takes({ 'content-type': 'application/json', 'content-length': '1e2' })).toBe(false);
    expect(takes({ 'content-type': 'application/json' })).toBe(false);
    expect(takes({ 'content-type': 'application/json', 'content-length': '10', 'transfer-encoding': 'chunked' })).toBe(false);
    expect(takes({ 'content-type': 'application/json', 'content-length': '10', 'content-encoding': 'identity' })).toBe(false);
    expect(takes({ 'content-type': 'application/json; charset=latin1', 'content-length': '10' })).toBe(false);
    expect(takes({ 'content-type': 'application/merge-patch+json', 'content-length': '10' })).toBe(false);
    expect(takes({ 'content-type': 'text/plain', 'content-length': '10' })).toBe(false);
    expect(takes({ 'content-length': '10' })).toBe(false);
  });

  it("parses as body-parser's strict mode does: an object or array, {} for nothing, a byte-order mark dropped", () => {
    expect(parseJsonText('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonText(' \r\n\t[1,2]')).toEqual([1, 2]);
    expect(parseJsonText('\uFEFF{"a":"中文"}')).toEqual({ a: '中文' });
    expect(parseJsonText('')).toEqual({});
    expect(parseJsonText('\uFEFF')).toEqual({});
    for (const text of ['"A123456789"', '1', 'null', 'true', ' x', '{"a":', '{"a":1}}', '  ']) {
      let error: unknown;
      try {
        parseJsonText(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(BodyReadError);
      expect(error).toMatchObject({ status: 400, statusCode: 400, type: 'entity.parse.failed' });
      // Never the body in the message: it may hold a national ID.
      expect((error as Error).message).not.toContain('A123456789');
    }
  });

  it('reads a body that arrives in several chunks, split inside a multi-byte character', async () => {
    const body = Buffer.from(JSON.stringify({ name: '臺北市政府社會局', n: 1 }));
    const req = request(jsonHeaders(body), [body.subarray(0, 11), body.subarray(11, 13), body.subarray(13)]);
    expect(await run(plainJsonBodies(1024), req)).toBeUndefined();
    expect(req.body).toEqual({ name: '臺北市政府社會局', n: 1 });
  });

  it('gives body-parser the same outcome on the same body (value, or the error status and type)', async () => {
    const bodies = ['{"a":[1,{"b":null}],"c":"x"}', '\uFEFF{"a":1}', '[]', '"scalar"', '{"a":', 'nul'];
    for (const body of bodies) {
      const lean = request(jsonHeaders(body), [body]);
      const leanError = await run(plainJsonBodies(1024), lean);
      const parser = request(jsonHeaders(body), [body]);
      const parserError = await run(json({ limit: 1024, inflate: false }) as never, parser);
      expect([body, lean.body, (leanError as { status?: number })?.status, (leanError as { type?: string })?.type]).toEqual([
        body, parser.body, (parserError as { status?: number })?.status, (parserError as { type?: string })?.type,
      ]);
    }
  });

  it('refuses a body cut short (400 request.size.invalid) or aborted (400 request.aborted)', async () => {
    const short = request({ 'content-type': 'application/json', 'content-length': '20' }, ['{"a":1}']);
    expect(await run(plainJsonBodies(1024), short)).toMatchObject({ status: 400, type: 'request.size.invalid' });

    const aborted = request({ 'content-type': 'application/json', 'content-length': '20' }, ['{"a"'], false);
    const outcome = run(plainJsonBodies(1024), aborted);
    setTimeout(() => aborted.destroy(new Error('aborted')), 5);
    expect(await outcome).toMatchObject({ status: 400, type: 'request.aborted' });
  });

  it('leaves a body already read alone, and so does body-parser behind unlessRead', async () => {
    const body = '{"a":1}';
    const req = request(jsonHeaders(body), [body]);
    await run(plainJsonBodies(1024), req);
    expect(req.body).toEqual({ a: 1 });
    let entered = 0;
    const counting = (r: Request, s: Response, n: NextFunction) => {
      entered++;
      n();
    };
    expect(await run(plainJsonBodies(1024), req)).toBeUndefined();
    expect(await run(unlessRead(counting), req)).toBeUndefined();
    expect(entered).toBe(0);
    expect(req.body).toEqual({ a: 1 });
    // Not read yet: body-parser is entered.
    const unread = request({ 'content-type': 'text/plain', 'content-length': '2' }, ['hi']);
    await run(unlessRead(counting), unread);
    expect(entered).toBe(1);
  });
});
