import { Writable } from 'node:stream';
import pino from 'pino';
import { correlationIdOf, enabledOrSilent, ledgerLogOptions, loggableUrl, scrubText } from './logging';

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
