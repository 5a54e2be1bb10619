import { gzipSync } from 'node:zlib';
import { CHECKPOINT_STREAM, type EventStore } from '@ledger/event-store';
import type { Test } from 'supertest';

/**
 * The OpenAPI-driven fuzz of issue 7, finding 9, shared by the e2e test and bench:security: seeded
 * requests over every route of /docs-json with wrong types, missing and unknown fields, huge and
 * deeply nested bodies, prototype keys, NUL/CR/LF and non-ASCII in path and query, impossible
 * dates, bad content types and encodings.
 */
export interface FuzzReport {
  requests: number;
  routes: number;
  seconds: number;
  statuses: Record<number, number>;
  serverErrors: string[];
  appendedOnRefusal: string[];
}

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rand = mulberry32(1);
let doc: Doc;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const uuid = () => 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => (c === 'x' ? Math.floor(rand() * 16) : (Math.floor(rand() * 4) + 8)).toString(16));

type Schema = { $ref?: string; type?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema; example?: unknown; enum?: unknown[]; format?: string; allOf?: Schema[] };
type Doc = { paths: Record<string, Record<string, { parameters?: { name: string; in: string; example?: unknown; schema?: Schema }[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>; components: { schemas: Record<string, Schema> } };

const WEIRD_SEGMENTS = ['%00', '%0D%0A', '%E4%B8%AD%E6%96%87', '__proto__', 'constructor', 'toString', '__proto__-x', 'constructor-x', 'toString-x', '..%2F..', 'a'.repeat(300), '%FF', '-', 'A123456789', 'x%20y', '%25'];
const WEIRD_VALUES: unknown[] = [null, 0, -1, 1e308, true, [], {}, '', ' ', 'x'.repeat(5000), '\u0000', '\r\n', '中文', '2025-13-01', '2025-12-32', '2025-02-30', '0000-00-00', 'A123456789', { constructor: 1 }, { __proto__: { x: 1 } }, ['a', 1, null], '9'.repeat(40), NaN];
const IMPOSSIBLE_DATES = ['2025-13-01', '2025-12-32', '2025-02-29', '2025-00-10', '2025-1-1', '2025-12-31T25:00:00+08:00', '2025-12-31T23:59:60Z'];

function resolve(schema: Schema | undefined): Schema {
  if (!schema) return {};
  if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()!]);
  if (schema.allOf) return schema.allOf.map(resolve).reduce((a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b.properties }, required: [...(a.required ?? []), ...(b.required ?? [])] }), {});
  return schema;
}

function sample(schema: Schema | undefined, depth = 0): unknown {
  const s = resolve(schema);
  if (s.format === 'uuid' || /commandId/.test(String(s.example ?? ''))) return uuid();
  if (s.example !== undefined) return s.example;
  if (s.enum) return pick(s.enum);
  if (s.type === 'object' || s.properties) {
    return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, k === 'commandId' ? uuid() : sample(v, depth + 1)]));
  }
  if (s.type === 'array') return depth > 4 ? [] : [sample(s.items, depth + 1)];
  if (s.type === 'integer' || s.type === 'number') return 1;
  if (s.type === 'boolean') return true;
  return 'x';
}

function mutateBody(body: Record<string, unknown>): { raw?: string | Buffer; json?: unknown; contentType?: string; encoding?: string; label: string } {
  const keys = Object.keys(body);
  const key = keys.length ? pick(keys) : 'x';
  switch (Math.floor(rand() * 14)) {
    case 0:
      return { json: { ...body, [key]: pick(WEIRD_VALUES) }, label: `wrong type in ${key}` };
    case 1: {
      const { [key]: _dropped, ...rest } = body;
      return { json: rest, label: `missing ${key}` };
    }
    case 2:
      return { json: { ...body, [`unknown_${Math.floor(rand() * 100)}`]: 1 }, label: 'unknown field' };
    case 3:
      return { json: { ...body, [key]: 'x'.repeat(200_000) }, label: 'huge body' };
    case 4: {
      const depth = 5000 + Math.floor(rand() * 5000);
      return { raw: `{"commandId":"${uuid()}","${key}":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`, contentType: 'application/json', label: `nested ${depth}` };
    }
    case 5:
      return { raw: `{"commandId":"${uuid()}","__proto__":{"polluted":1},"${key}":{"constructor":{"prototype":{"x":1}}}}`, contentType: 'application/json', label: 'prototype keys' };
    case 6:
      return { json: { ...body, [key]: pick(IMPOSSIBLE_DATES), occurredAt: pick(IMPOSSIBLE_DATES) }, label: 'impossible date' };
    case 7:
      return { raw: JSON.stringify(body), contentType: pick(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-16']), label: 'content type' };
    case 8:
      return { raw: gzipSync(JSON.stringify(body)), contentType: 'application/json', encoding: pick(['gzip', 'deflate', 'br', 'x-unknown']), label: 'content encoding' };
    case 9:
      return { raw: pick(['{', '{"a":}', 'null', '[]', '"str"', '1', '\u0000', '{"a":1}garbage', '\uFEFF{}']), contentType: 'application/json', label: 'broken json' };
    case 10:
      return { json: { ...body, [key]: `A123456789\u0000\r\n中` }, label: 'control characters' };
    case 11:
      return { json: Object.fromEntries(keys.map((k) => [k, pick(WEIRD_VALUES)])), label: 'all wrong' };
    case 12:
      return { json: body, label: 'as documented' };
    default:
      return { json: { ...body, commandId: 'not-a-uuid' }, label: 'bad command id' };
  }
}

const fill = (path: string, params: Map<string, unknown>) =>
  path.replace(/\{(\w+)\}/g, (_m, name: string) => (rand() < 0.6 ? encodeURIComponent(String(params.get(name) ?? 'x')) : pick(WEIRD_SEGMENTS)));

function query(parameters: { name: string; in: string; example?: unknown; schema?: Schema }[]): string {
  const q = parameters.filter((p) => p.in === 'query');
  const parts = q.filter(() => rand() < 0.6).map((p) => `${encodeURIComponent(p.name)}=${rand() < 0.5 ? encodeURIComponent(String(p.example ?? sample(p.schema))) : pick(WEIRD_SEGMENTS.concat(IMPOSSIBLE_DATES))}`);
  if (rand() < 0.2) parts.push(pick(['x[__proto__]=1', 'constructor=1', `${pick(WEIRD_SEGMENTS)}=${pick(WEIRD_SEGMENTS)}`, 'asOf=2025-13-01', 'asOf=2025-12-32&asOfKind=ledger-time']));
  return parts.length ? `?${parts.join('&')}` : '';
}


export async function runFuzz(o: { http: () => unknown; doc: unknown; store: EventStore; seed: number; requests: number; adminKey: string }): Promise<FuzzReport> {
  rand = mulberry32(o.seed);
  doc = o.doc as Doc;
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
  const serverErrors: string[] = [];
  const appendedOnRefusal: string[] = [];
  const statuses = new Map<number, number>();
  let cursor = (await o.store.readAll({ maxCount: 100_000 })).at(-1)?.position ?? 0n;
  const started = Date.now();
  for (let i = 0; i < o.requests; i += 1) {
    const { path, method, op } = routes[i % routes.length];
    const params = new Map((op.parameters ?? []).map((p) => [p.name, p.example ?? sample(p.schema)]));
    const url = fill(path, params) + query(op.parameters ?? []);
    let req = (o.http() as unknown as Record<string, (u: string) => Test>)[method](url);
    const auth = rand();
    if (auth < 0.8) req = req.set('X-API-Key', o.adminKey);
    else if (auth < 0.9) req = req.set('X-API-Key', 'wl_not_a_key');
    let label = 'no body';
    if (method === 'post' || method === 'put' || method === 'patch') {
      const schema = op.requestBody?.content['application/json']?.schema;
      const base = (sample(schema) ?? {}) as Record<string, unknown>;
      const m = mutateBody(typeof base === 'object' && base !== null ? base : {});
      label = m.label;
      if (m.encoding) req = req.set('Content-Encoding', m.encoding);
      if (m.raw !== undefined) req = req.set('Content-Type', m.contentType ?? 'application/json').send(m.raw);
      else req = req.send(m.json as object);
    }
    const res = await req.ok(() => true);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    // A read that names a log position its read model has not reached yet is answered 503 with
    // Retry-After by design (the time-travel reads); every other 5xx is a defect.
    const designed = res.status === 503 && (res.body as { code?: string })?.code === 'READ_MODEL_BEHIND';
    if (res.status >= 500 && !designed) serverErrors.push(`${method.toUpperCase()} ${url.slice(0, 120)} [${label}] → ${res.status} ${res.text.slice(0, 120)}`);
    const appended = await o.store.readAll({ after: cursor, maxCount: 10_000 });
    if (appended.length) cursor = appended[appended.length - 1].position;
    // Records of refused callers, checkpoints signed by a timer, and the record of a package job started
    // by an earlier request and finishing in the background are not the request's doing.
    const ledgerEvents = appended.filter((e) => !e.streamId.startsWith('security-') && e.streamId !== CHECKPOINT_STREAM && !e.streamId.startsWith('pkgaccess-'));
    if (res.status >= 400 && ledgerEvents.length > 0) appendedOnRefusal.push(`${method.toUpperCase()} ${url.slice(0, 120)} [${label}] → ${res.status} appended ${ledgerEvents.map((e) => e.type).join(',')}`);
  }
  const seconds = (Date.now() - started) / 1000;
  return { requests: o.requests, routes: routes.length, seconds, statuses: Object.fromEntries(statuses), serverErrors, appendedOnRefusal };
}

export const fuzzUuid = () => uuid();
