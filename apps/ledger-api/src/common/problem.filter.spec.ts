import { StoreUnavailableError } from '@ledger/event-store';
import type { ArgumentsHost } from '@nestjs/common';
import { ProblemFilter, toProblem } from './problem.filter';

describe('toProblem: a store that is down or busy is a 503 the client may retry, never a 500', () => {
  it('the event store unavailable is a 503 with its message', () => {
    expect(toProblem(new StoreUnavailableError('EventStoreDB did not answer append within 5000 ms'))).toEqual({
      status: 503, code: 'STORE_UNAVAILABLE', message: 'EventStoreDB did not answer append within 5000 ms',
    });
  });

  it.each(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED'])('SQLite %s from an embedded file (another process holds its write lock) is a 503, without the file or its message', (code) => {
    const error = Object.assign(new Error('database is locked'), { name: 'SqliteError', code });
    const problem = toProblem(error);
    expect(problem).toEqual({ status: 503, code: 'STORE_UNAVAILABLE', message: 'an embedded ledger file is busy with another process; send the request again' });
  });

  it('any other SQLite error stays a 500 that says nothing of it', () => {
    const error = Object.assign(new Error('no such table: secrets'), { name: 'SqliteError', code: 'SQLITE_ERROR' });
    expect(toProblem(error)).toEqual({ status: 500, code: 'INTERNAL', message: 'internal error' });
  });

  it('the response of a 503 says when to try again (Retry-After), as problem details', () => {
    const sent: { status?: number; headers: Record<string, string>; type?: string; body?: unknown } = { headers: {} };
    const response = {
      status: (s: number) => ((sent.status = s), response),
      setHeader: (k: string, v: string) => void (sent.headers[k] = v),
      type: (t: string) => ((sent.type = t), response),
      json: (b: unknown) => void (sent.body = b),
    };
    const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
    new ProblemFilter().catch(Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' }), host);
    expect(sent).toMatchObject({ status: 503, headers: { 'Retry-After': '1' }, type: 'application/problem+json', body: { status: 503, title: 'Service Unavailable', code: 'STORE_UNAVAILABLE' } });
    const other = { headers: {} as Record<string, string> };
    Object.assign(sent, other);
    new ProblemFilter().catch(new Error('bug'), host);
    expect(sent).toMatchObject({ status: 500, headers: {} });
  });
});
