import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@ledger/platform';
import { createApp } from '../apps/ledger-api/src/bootstrap';
import { ADMIN_KEY } from './support/app';

const NATIONAL_ID = 'A123456789';
const ARC = 'AC01234567';
const HOLDER_NAME = '王小明';

/** The real app with its log lines captured instead of written to stdout. */
describe('structured logs: JSON lines with level, time, request id and $correlationId; no national ID, name or key', () => {
  const lines: string[] = [];
  const capture = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  let app: INestApplication;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ledger-logs-'));
    // In the event loop: the lines of a projector thread go to the process's stdout, not to this capture.
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_API_KEY: ADMIN_KEY, LEDGER_LOG_LEVEL: 'debug', LEDGER_PROJECTIONS: 'run' });
    app = await createApp({ config, logDestination: capture });
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  it('a command: one JSON line per request with level, ISO time (UTC), request id and the command’s $correlationId', async () => {
    const commandId = randomUUID();
    const res = await request(app.getHttpServer())
      .post('/agencies')
      .set('X-API-Key', ADMIN_KEY)
      .send({ commandId, agencyCode: 'LOG001', name: '記錄測試局', role: 'DATA_REQUESTER' })
      .expect(201);
    const requestId = res.headers['x-request-id'];
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const line = parsed().find((l) => l.reqId === requestId && l.msg === 'request completed');
    expect(line).toMatchObject({
      level: 'info',
      reqId: requestId,
      $correlationId: commandId,
      req: { method: 'POST', url: '/agencies' },
      res: { statusCode: 201 },
    });
    expect(String(line?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('a national ID, ARC number, holder name or API key sent in body, URL, query or headers reaches no log line', async () => {
    const before = lines.length;
    const http = () => request(app.getHttpServer());
    const requestId = randomUUID();
    await http()
      .post('/applications')
      .set('X-API-Key', ADMIN_KEY)
      .set('X-Request-Id', requestId)
      .set('X-Correlation-Id', NATIONAL_ID)
      .set('X-Holder', `${NATIONAL_ID} ${encodeURIComponent(HOLDER_NAME)}`)
      .send({ commandId: randomUUID(), applicationId: 'LOG_u1', agencyCode: 'LOG001', kind: 'USER_ACCOUNT_ADD', holder: { nationalId: NATIONAL_ID, name: HOLDER_NAME } });
    await http().get(`/ledger/streams/account-${NATIONAL_ID}?holder=${ARC}&name=${encodeURIComponent(HOLDER_NAME)}`).set('X-API-Key', ADMIN_KEY);
    await http().get(`/agencies/${encodeURIComponent(NATIONAL_ID)}/roster`).set('X-API-Key', 'wl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    await http().post('/agencies').set('X-API-Key', ADMIN_KEY).set('Idempotency-Key', NATIONAL_ID).send({ commandId: NATIONAL_ID, agencyCode: NATIONAL_ID, name: HOLDER_NAME });
    // A message written by hand through Nest's Logger (what a careless handler would do).
    new Logger('Careless').warn(`holder ${NATIONAL_ID} (${HOLDER_NAME.length} chars) key wl_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB`);

    await new Promise((resolve) => setImmediate(resolve)); // the capture stream takes writes on the next tick
    const written = lines.slice(before);
    expect(written.length).toBeGreaterThanOrEqual(5);
    const text = written.join('\n');
    for (const secret of [NATIONAL_ID, ARC, HOLDER_NAME, encodeURIComponent(HOLDER_NAME), ADMIN_KEY, 'wl_AAAA', 'wl_BBBB']) {
      expect(text).not.toContain(secret);
    }
    // The lines are there, with the values masked rather than the requests left out.
    expect(text).toContain('/ledger/streams/account-[personal-id]?holder=…&name=…');
    expect(text).toContain('holder [personal-id]');
    const mine = written.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reqId === requestId);
    expect(mine).toMatchObject({ $correlationId: expect.any(String) });
    expect(mine?.$correlationId).not.toBe(NATIONAL_ID);
  });

  it('health probes are not logged', async () => {
    const before = lines.length;
    await request(app.getHttpServer()).get('/health/live').expect(200);
    await request(app.getHttpServer()).get('/health/ready');
    expect(lines.slice(before).filter((l) => l.includes('/health'))).toEqual([]);
  });
});
