import 'reflect-metadata';
import { BadRequestException } from '@nestjs/common';
import { inspectInput, ledgerValidationPipe } from '../common/validation';
import { BatchBodyPipe, fastBatchBody, fastSingleBody, SingleBodyPipe } from './query-registration.batch-body';
import { RegisterQueryBatchDto, RegisterQueryDto } from './query-registration.dto';

const ACCOUNT = `SWD001.USER.${'ab'.repeat(32)}`;
const item = (n: number): Record<string, unknown> => ({
  registrationId: `SWD001_R${n}`,
  agencyCode: 'SWD001',
  accountId: ACCOUNT,
  operationCode: 'LI_ENROLMENT',
  plannedAt: '2025-03-05T09:30:00+08:00',
  caseNumber: `114社救字第${n}號`,
  reason: '低收入戶資格審查',
  subject: { nationalId: 'A123456789' },
});
const body = (extra: Record<string, unknown> = {}) => ({ commandId: '3f1c2a4e-8a6b-4c1d-9e2f-1a2b3c4d5e6f', registrations: [item(1), item(2), item(3)], ...extra });

const pipe = ledgerValidationPipe();
/** What the application's pipe makes of a body: the instance, or the 400's field list. */
async function slow(value: unknown, metatype: typeof RegisterQueryBatchDto | typeof RegisterQueryDto = RegisterQueryBatchDto): Promise<{ dto?: unknown; fields?: unknown }> {
  try {
    return { dto: await pipe.transform(value, { type: 'body', metatype, data: undefined }) };
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    return { fields: (error.getResponse() as { fields: unknown }).fields };
  }
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const astral = '𠀀'; // one character, two UTF-16 units: the length rules count characters

/** Bodies the pipe accepts and refuses: every field missing, mistyped, at and past its limits, and unknown keys. */
function variants(): unknown[] {
  const out: unknown[] = [body(), body({ occurredAt: '2025-03-05T10:00:00Z', correlationId: 'c'.repeat(100), causationId: 'x' })];
  const values: unknown[] = [undefined, null, 42, true, '', ' ', [], {}, ['x'], 'x'.repeat(65), astral.repeat(64), astral.repeat(65), 'A123456789', 'a123456789', 'A123456788', '2025-03-05T09:30:00', '2025-02-30T09:30:00Z', '2025-03-05T09:30:00.123+08:00', 'SWD001.USER.short', ACCOUNT, 'ok_id:1', 'bad id', 'x'.repeat(1000), astral.repeat(1000), 'x'.repeat(1001)];
  for (const key of ['registrationId', 'agencyCode', 'accountId', 'operationCode', 'plannedAt', 'caseNumber', 'reason', 'subject']) {
    for (const value of values) {
      const b = body();
      const registrations = clone(b.registrations);
      if (value === undefined) delete registrations[1][key];
      else registrations[1][key] = value;
      out.push({ ...b, registrations });
    }
  }
  for (const value of values) {
    const b = body();
    const registrations = clone(b.registrations);
    (registrations[2].subject as Record<string, unknown>).nationalId = value;
    out.push({ ...b, registrations });
  }
  for (const key of ['commandId', 'occurredAt', 'correlationId', 'causationId']) {
    for (const value of [...values, 'not-a-uuid', '3F1C2A4E-8A6B-4C1D-9E2F-1A2B3C4D5E6F', 'c'.repeat(101)]) {
      const b: Record<string, unknown> = body();
      if (value === undefined) delete b[key];
      else b[key] = value;
      out.push(b);
    }
  }
  const withExtra = clone(body());
  (withExtra.registrations[0] as Record<string, unknown>).extra = 1;
  const withSubjectExtra = clone(body());
  (withSubjectExtra.registrations[0].subject as Record<string, unknown>).name = '王小明';
  out.push(
    withExtra,
    withSubjectExtra,
    body({ extra: 1 }),
    body({ registrations: [] }),
    body({ registrations: Array.from({ length: 1000 }, (_, i) => item(i)) }),
    body({ registrations: Array.from({ length: 1001 }, (_, i) => item(i)) }),
    body({ registrations: [item(1), null] }),
    body({ registrations: [item(1), 'x'] }),
    body({ registrations: [[item(1)]] }),
    body({ registrations: item(1) }),
    null,
    [],
    'x',
    42,
  );
  return out;
}

describe('the batch body check (fast path of the validation pipe)', () => {
  it('accepts only what the pipe accepts, and builds the same instances from it', async () => {
    let accepted = 0;
    let refused = 0;
    let fastTaken = 0;
    for (const value of variants()) {
      const expected = await slow(clone(value));
      // The application's pipe inspects every body first (identifiers, prototype keys, depth) and
      // refuses it there: such a body never reaches the batch check.
      if (inspectInput(value, 'body').length > 0) {
        expect(expected.fields).toBeDefined();
        continue;
      }
      const fast = fastBatchBody(clone(value));
      if (expected.fields) {
        refused++;
        expect({ value, fast }).toEqual({ value, fast: undefined });
        continue;
      }
      accepted++;
      if (fast === undefined) continue;
      fastTaken++;
      expect(fast).toEqual(expected.dto);
      expect(Object.getPrototypeOf(fast)).toBe(Object.getPrototypeOf(expected.dto));
      const dto = expected.dto as RegisterQueryBatchDto;
      fast.registrations.forEach((r, i) => {
        expect(Object.getPrototypeOf(r)).toBe(Object.getPrototypeOf(dto.registrations[i]));
        expect(Object.getPrototypeOf(r.subject)).toBe(Object.getPrototypeOf(dto.registrations[i].subject));
        expect(Object.keys(r)).toEqual(Object.keys(dto.registrations[i]));
      });
    }
    // Both sides of the comparison were exercised.
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(150);
    expect(fastTaken).toBeGreaterThan(20);
  });

  it('takes the fast path for an ordinary batch', () => {
    expect(fastBatchBody(body())).toBeInstanceOf(RegisterQueryBatchDto);
    expect(fastBatchBody(body({ registrations: Array.from({ length: 1000 }, (_, i) => item(i)) }))?.registrations).toHaveLength(1000);
  });

  it('leaves a body it is not sure of to the pipe, whose 400 names the item and field', async () => {
    const bad = clone(body());
    (bad.registrations[1] as Record<string, unknown>).caseNumber = 42;
    expect(fastBatchBody(bad)).toBeUndefined();
    await expect(new BatchBodyPipe().transform(bad)).rejects.toMatchObject({
      response: { code: 'VALIDATION_FAILED', fields: expect.arrayContaining([expect.objectContaining({ field: 'registrations.1.caseNumber' })]) },
    });
  });
});

describe('the single registration body check (fast path of the validation pipe)', () => {
  /** Every batch variant's envelope with its registrations' variants laid flat beside it, one body each. */
  function singles(): unknown[] {
    const out: unknown[] = [];
    for (const value of variants()) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        out.push(value);
        continue;
      }
      const { registrations, ...envelope } = value as { registrations?: unknown };
      if (!Array.isArray(registrations)) out.push({ ...envelope, ...(registrations === undefined ? {} : { registrations }) });
      else for (const r of registrations.slice(0, 3)) out.push(typeof r === 'object' && r !== null && !Array.isArray(r) ? { ...envelope, ...r } : { ...envelope, r });
    }
    return out;
  }

  it('accepts only what the pipe accepts, and builds the same instance from it', async () => {
    let accepted = 0;
    let refused = 0;
    let fastTaken = 0;
    for (const value of singles()) {
      const expected = await slow(clone(value), RegisterQueryDto);
      if (inspectInput(value, 'body').length > 0) {
        expect(expected.fields).toBeDefined();
        continue;
      }
      const fast = fastSingleBody(clone(value));
      if (expected.fields) {
        refused++;
        expect({ value, fast }).toEqual({ value, fast: undefined });
        continue;
      }
      accepted++;
      if (fast === undefined) continue;
      fastTaken++;
      const dto = expected.dto as RegisterQueryDto;
      expect(fast).toEqual(dto);
      expect(Object.getPrototypeOf(fast)).toBe(Object.getPrototypeOf(dto));
      expect(Object.getPrototypeOf(fast.subject)).toBe(Object.getPrototypeOf(dto.subject));
      expect(Object.keys(fast)).toEqual(Object.keys(dto));
    }
    expect(accepted).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(150);
    expect(fastTaken).toBeGreaterThan(20);
  });

  it('leaves a body it is not sure of to the pipe, whose 400 names the field', async () => {
    const { registrations, ...envelope } = clone(body());
    const bad = { ...envelope, ...registrations[0], caseNumber: 42 };
    expect(fastSingleBody(bad)).toBeUndefined();
    expect(fastSingleBody({ ...envelope, ...registrations[0] })).toBeInstanceOf(RegisterQueryDto);
    await expect(new SingleBodyPipe().transform(bad)).rejects.toMatchObject({
      response: { code: 'VALIDATION_FAILED', fields: expect.arrayContaining([expect.objectContaining({ field: 'caseNumber' })]) },
    });
  });
});
