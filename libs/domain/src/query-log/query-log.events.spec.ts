import { EVENT_REGISTRY } from '../core/event-registry';
import { loggedQueryRef, parseQueryLogImportId, queryLogImportId, queryLogStreamId, unregisteredQueryStreamId } from './query-log.events';

const digest = 'ab'.repeat(32);

describe('query log event contract (要點 九(二))', () => {
  it('要點 九(二): given a file digest, when the import id is made, then it names the agency and the digest only, so the same file always lands on the same stream', () => {
    expect(queryLogImportId('SWD001', digest)).toBe(`SWD001.${'ab'.repeat(16)}`);
    expect(queryLogStreamId(queryLogImportId('SWD001', digest))).toBe(`querylog-SWD001.${'ab'.repeat(16)}`);
    expect(parseQueryLogImportId(queryLogImportId('SWD001', digest))).toEqual({ agencyCode: 'SWD001', digestPrefix: 'ab'.repeat(16) });
  });

  it('要點 九(二): a malformed digest or agency code is refused naming the field', () => {
    expect(() => queryLogImportId('SWD001', 'AB'.repeat(32))).toThrow(expect.objectContaining({ field: 'sha256' }));
    expect(() => queryLogImportId('SWD-001', digest)).toThrow(expect.objectContaining({ field: 'agencyCode' }));
    expect(() => queryLogStreamId('SWD001.xyz')).toThrow(expect.objectContaining({ field: 'importId' }));
  });

  it('要點 九(一): a logged query is named by (importId, lineNo); the header line 1 is no query', () => {
    const importId = queryLogImportId('SWD001', digest);
    expect(loggedQueryRef(importId, 2)).toBe(`${importId}.2`);
    expect(unregisteredQueryStreamId(importId, 17)).toBe(`unregisteredquery-${importId}.17`);
    expect(() => loggedQueryRef(importId, 1)).toThrow(expect.objectContaining({ field: 'lineNo' }));
  });

  it('every query-log event type is in the one registry', () => {
    for (const type of ['QueryLogImportStarted', 'QueryLogLinesAccepted', 'QueryLogLinesRejected', 'QueryLogImportCompleted', 'UnregisteredQueriesFound', 'QueryLogReconciled', 'UnregisteredQueryExplained']) {
      expect(EVENT_REGISTRY).toHaveProperty(type);
    }
  });
});
