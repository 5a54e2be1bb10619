import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { storage } from 'nestjs-pino/storage';
import pino, { type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import request from 'supertest';
import { correlationIdOf, enabledOrSilent, ledgerLogOptions, loggableUrl, requestLogging, scrubText } from './logging';

describe('log scrubbing', () => {
  it.each([
    ['national ID', 'holder A123456789 asked', 'holder [personal-id] asked'],
    ['lower case', 'id=a223456789;', 'id=[personal-id];'],
    ['old ARC', 'AC01234567', '[personal-id]'],
    ['new ARC', 'x A800000014 y', 'x [personal-id] y'],
    ['full-width', '身分證Ａ１２３４５６７８９號', '身分證[personal-id]號'],
    ['API key', 'key wl_abcdefghijklmnopqrstuvwxyzABCDEF', 'key wl_[redacted]'],
  ])('masks a %s', (_kind, text, expected) => {
    expect(scrubText(text)).toBe(expected);
  });

  it.each([
    ['a hash', 'a'.repeat(64)],
    ['a UUID', '4f6c1a52-9e3b-4d7a-8c11-0a1b2c3d4e5f'],
    ['an agency code', 'agency-SWD001'],
    ['a longer token', 'XA1234567890'],
  ])('leaves %s alone', (_kind, text) => {
    expect(scrubText(text)).toBe(text);
  });

  it('logs a URL by path and query names: values dropped, escaped IDs and non-ASCII masked', () => {
    expect(loggableUrl('/agencies/A%31%323456789/roster?reveal=true&purpose=%E7%8E%8B')).toBe('/agencies/[personal-id]/roster?reveal=…&purpose=…');
    expect(loggableUrl('/agencies/王小明/roster')).toBe('/agencies/[non-ascii]/roster');
    expect(loggableUrl('/x?A123456789=1')).toBe('/x?[personal-id]=…');
    expect(loggableUrl('/health')).toBe('/health');
  });

  it('takes $correlationId from the command, never a value shaped like personal data', () => {
    const req = (body: unknown, headers: Record<string, string> = {}) => ({ id: 'req-1', body, headers }) as never;
    expect(correlationIdOf(req({ commandId: 'c-1', correlationId: 'process-7' }))).toBe('process-7');
    expect(correlationIdOf(req({ commandId: 'c-1' }))).toBe('c-1');
    expect(correlationIdOf(req({}, { 'idempotency-key': 'k-1' }))).toBe('k-1');
    expect(correlationIdOf(req({ commandId: 'A123456789' }))).toBe('req-1');
    expect(correlationIdOf(req({ commandId: 'has spaces' }))).toBe('req-1');
  });

  it('redacts holder fields, keys and bodies in logged objects, and scrubs the written line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const options = ledgerLogOptions({ log: { level: 'info', format: 'json' } });
    const logger = pino({ redact: options.redact, hooks: options.hooks, formatters: options.formatters, timestamp: options.timestamp }, sink);
    logger.info(
      { holder: { nationalId: 'A123456789', name: '王小明' }, account: { name: '王小明', apiKey: 'secret-key-1' }, body: { x: 1 }, deep: { a: { nationalId: 'B123456780' } } },
      'message about A123456789',
    );
    const text = lines.join('');
    for (const leak of ['A123456789', 'B123456780', '王小明', 'secret-key-1', '"x":1']) expect(text).not.toContain(leak);
    expect(JSON.parse(text)).toMatchObject({ level: 'info', msg: 'message about [personal-id]', holder: '[redacted]', account: { name: '[redacted]' } });
  });

  it('a request line below the configured level is skipped (silent), not built and dropped', () => {
    expect(enabledOrSilent('info', 'debug')).toBe('info');
    expect(enabledOrSilent('info', 'info')).toBe('info');
    expect(enabledOrSilent('info', 'warn')).toBe('silent');
    expect(enabledOrSilent('warn', 'warn')).toBe('warn');
    expect(enabledOrSilent('error', 'warn')).toBe('error');
    expect(enabledOrSilent('error', 'silent')).toBe('silent');
    const options = ledgerLogOptions({ log: { level: 'warn', format: 'json' } });
    const res = (statusCode: number) => ({ statusCode }) as never;
    expect(options.customLogLevel?.({} as never, res(201), undefined)).toBe('silent');
    expect(options.customLogLevel?.({} as never, res(404), undefined)).toBe('warn');
  });
});

describe('request logging (the service’s request middleware)', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
        done();
      },
    });
    return { lines, stream };
  };
  /** A bare HTTP server: the body "parsed" (as the body parsers do before the middleware), the middleware, then a handler that may log through the request's context and answers `status`. */
  const serve = (middleware: (req: IncomingMessage, res: ServerResponse, next: () => void) => void, status: number, logInHandler: boolean) =>
    createServer((req, res) => {
      (req as { body?: unknown }).body = { commandId: 'cmd-1' };
      middleware(req, res, () => {
        if (logInHandler) storage.getStore()?.logger.warn({ step: 'decide' }, 'handler line');
        res.statusCode = status;
        res.end('{}');
      });
    });
  // The error's stack names the middleware it was made in.
  const normalise = (line: Record<string, unknown>) => ({ ...line, time: 'T', responseTime: 'N', pid: 'P', ...(line.err ? { err: { ...(line.err as object), stack: 'S' } } : {}) });

  it.each([
    [201, false],
    [404, true],
    [500, false],
  ])('writes the lines pino-http writes with the same options (status %i, a handler line: %s)', async (status, logInHandler) => {
    const ours = capture();
    const theirs = capture();
    const id = '4f6c1a52-9e3b-4d7a-8c11-0a1b2c3d4e5f';
    await request(serve(requestLogging(ledgerLogOptions({ log: { level: 'info', format: 'json' } }, ours.stream)), status, logInHandler)).post('/agencies?x=1').set('X-Request-Id', id);
    const httpLogger = pinoHttp(ledgerLogOptions({ log: { level: 'info', format: 'json' } }, theirs.stream));
    const pinoHttpMiddleware = (req: IncomingMessage, res: ServerResponse, next: () => void) =>
      httpLogger(req, res, () => storage.run({ logger: (req as unknown as { log: Logger }).log } as never, next));
    await request(serve(pinoHttpMiddleware, status, logInHandler)).post('/agencies?x=1').set('X-Request-Id', id);
    expect(ours.lines.length).toBe(logInHandler ? 2 : 1);
    expect(ours.lines.map(normalise)).toEqual(theirs.lines.map(normalise));
    expect(ours.lines.at(-1)).toMatchObject({ reqId: id, $correlationId: 'cmd-1', req: { method: 'POST', url: '/agencies?x=…' }, res: { statusCode: status } });
  });

  it('builds no request logger when nothing is written (a request line the level drops, no line in the handler)', async () => {
    const { lines, stream } = capture();
    const customProps = jest.fn(() => ({}));
    const options = { ...ledgerLogOptions({ log: { level: 'warn', format: 'json' } }, stream), customProps };
    await request(serve(requestLogging(options), 201, false)).get('/x').expect(201);
    expect(customProps).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    await request(serve(requestLogging(options), 404, false)).get('/x').expect(404);
    expect(customProps).toHaveBeenCalledTimes(1);
    expect(lines).toMatchObject([{ level: 'warn', msg: 'request completed', res: { statusCode: 404 } }]);
  });

  it('gives every request a request id (X-Request-Id), health probes too, without logging them', async () => {
    const { lines, stream } = capture();
    const res = await request(serve(requestLogging(ledgerLogOptions({ log: { level: 'debug', format: 'json' } }, stream)), 200, false)).get('/health/live').expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toEqual([]);
  });

  it('with logging off (silent) sets up no request context, and still gives the request its id', async () => {
    const { lines, stream } = capture();
    const contexts: unknown[] = [];
    const middleware = (options: ReturnType<typeof ledgerLogOptions>) => {
      const inner = requestLogging(options);
      return (req: IncomingMessage, res: ServerResponse, next: () => void) => inner(req, res, () => (contexts.push(storage.getStore()), next()));
    };
    const silent = await request(serve(middleware(ledgerLogOptions({ log: { level: 'silent', format: 'json' } }, stream)), 500, true)).get('/x').expect(500);
    expect(silent.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(contexts).toEqual([undefined]);
    await request(serve(middleware(ledgerLogOptions({ log: { level: 'info', format: 'json' } }, stream)), 201, true)).get('/x').expect(201);
    expect(contexts[1]).toBeDefined();
    expect(lines.map((l) => l.msg)).toEqual(['handler line', 'request completed']);
  });
});
