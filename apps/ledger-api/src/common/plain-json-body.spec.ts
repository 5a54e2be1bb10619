import express, { json, type NextFunction, type Request, type Response } from 'express';
import { createConnection } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { plainJsonBody } from './http-input';

/** The app's parser chain, with or without the direct path for plain JSON bodies; answers what it parsed or the error's status and type. */
function app(direct: boolean) {
  const a = express();
  if (direct) a.use(plainJsonBody(64));
  a.use(json({ limit: 64, inflate: false }));
  a.post('/', (req: Request, res: Response) => res.json({ body: req.body ?? null, untouched: req.body === undefined }));
  a.use((error: { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => res.status(error.status ?? 500).json({ type: error.type }));
  return a;
}

const bodies: [string, string | Buffer, string?][] = [
  ['an object', '{"commandId":"c","n":1,"nested":{"a":[1,2,{"b":null}]}}'],
  ['an array', '[1,"two",{"three":3}]'],
  ['non-ASCII text', '{"name":"臺北市政府社會局"}'],
  ['JSON whitespace first', ' \t\r\n{"a":1}'],
  ['a byte order mark first', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')])],
  ['only a byte order mark', Buffer.from([0xef, 0xbb, 0xbf])],
  ['a __proto__ member', '{"__proto__":{"admin":true}}'],
  ['a string (strict)', '"text"'],
  ['a number (strict)', '42'],
  ['non-JSON whitespace first', '\u00a0{"a":1}'],
  ['invalid JSON', '{a:1}'],
  ['truncated JSON', '{"a":'],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
  ['over the limit', `{"a":"${'x'.repeat(100)}"}`],
  ['with charset=utf-8', '{"a":1}', 'application/json; charset=utf-8'],
  ['with charset=UTF-8 spelled otherwise', '{"a":1}', 'application/json;charset=UTF-8'],
  ['as application/JSON', '{"a":1}', 'application/JSON'],
  ['as text/plain', '{"a":1}', 'text/plain'],
  ['as a vendor JSON type', '{"a":1}', 'application/vnd.api+json'],
  ['empty', ''],
];

describe('plain JSON bodies read directly answer exactly as the general JSON parser', () => {
  it.each(bodies)('%s', async (_name, body, type = 'application/json') => {
    const answer = async (direct: boolean) => {
      const res = await request(app(direct)).post('/').set('Content-Type', type).send(body);
      return { status: res.status, body: res.body as unknown };
    };
    const general = await answer(false);
    expect(await answer(true)).toEqual(general);
  });

  it('parses the plain bodies itself (the general parser is not reached)', async () => {
    const alone = express();
    alone.use(plainJsonBody(64));
    alone.post('/', (req: Request, res: Response) => res.json({ body: req.body ?? null }));
    for (const [, body] of bodies.slice(0, 4)) {
      const res = await request(alone).post('/').set('Content-Type', 'application/json').send(body);
      expect(res.body).toEqual({ body: JSON.parse(String(body)) });
    }
  });

  it('a body shorter than its Content-Length is a 400 of the same type, once the client gives up', async () => {
    const answer = async (direct: boolean) => {
      const server = app(direct).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        return await new Promise<string>((resolve) => {
          const socket = createConnection(port, '127.0.0.1', () => {
            socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"a":1}');
            socket.end();
          });
          let text = '';
          socket.on('data', (d) => (text += d.toString()));
          socket.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
        });
      } finally {
        server.close();
      }
    };
    expect(await answer(true)).toBe(await answer(false));
  });
});
