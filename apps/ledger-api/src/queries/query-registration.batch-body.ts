import type { PipeTransform } from '@nestjs/common';
import { isUUID, matches, maxLength } from 'class-validator';
import { parseInstant } from '@ledger/domain';
import { isValidTaiwanId } from '@ledger/personal-data';
import { ACCOUNT_ID, AGENCY_CODE, OPERATION_CODE, RECORD_ID } from '../access/shared/validators';
import { ledgerValidationPipe } from '../common/validation';
import { MAX_BATCH, QueryRegistrationFields, QuerySubjectDto, RegisterQueryBatchDto, RegisterQueryDto } from './query-registration.dto';

const ENVELOPE_KEYS = new Set(['commandId', 'occurredAt', 'correlationId', 'causationId', 'registrations']);
const ITEM_KEYS = ['registrationId', 'agencyCode', 'accountId', 'operationCode', 'plannedAt', 'caseNumber', 'reason', 'subject'] as const;
const ITEM_KEY_SET = new Set<string>(ITEM_KEYS);
const COMMAND_KEYS = ['commandId', 'occurredAt', 'correlationId', 'causationId'] as const;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const text = (v: unknown): v is string => typeof v === 'string';
const isInstant = (v: unknown) => typeof v === 'string' && parseInstant(v).ok;
const optionalText = (v: unknown, max: number) => v === undefined || (text(v) && maxLength(v, max));

/**
 * Whether one registration certainly passes every rule of QueryRegistrationFields (the same
 * class-validator functions, patterns and limits). Anything unusual answers false and is left to
 * class-validator, which then says what is wrong.
 */
function itemValid(item: unknown, instants: Set<string>): item is Record<(typeof ITEM_KEYS)[number], unknown> & { subject: { nationalId: string } } {
  if (!isPlainObject(item)) return false;
  let count = 0;
  for (const key in item) {
    if (!ITEM_KEY_SET.has(key)) return false;
    count++;
  }
  if (count !== ITEM_KEYS.length) return false;
  const subject = item.subject;
  if (!isPlainObject(subject)) return false;
  for (const key in subject) if (key !== 'nationalId') return false;
  return (
    text(item.registrationId) &&
    matches(item.registrationId, RECORD_ID) &&
    text(item.agencyCode) &&
    matches(item.agencyCode, AGENCY_CODE) &&
    text(item.accountId) &&
    matches(item.accountId, ACCOUNT_ID) &&
    text(item.operationCode) &&
    matches(item.operationCode, OPERATION_CODE) &&
    // A batch's registrations mostly share a few planned times: each is parsed once.
    (instants.has(item.plannedAt as string) || (isInstant(item.plannedAt) && instants.add(item.plannedAt as string) !== undefined)) &&
    text(item.caseNumber) &&
    maxLength(item.caseNumber, 64) &&
    text(item.reason) &&
    maxLength(item.reason, 1000) &&
    isValidTaiwanId(subject.nationalId)
  );
}

/**
 * The batch body as the validation pipe would build it, when it certainly would: class-validator
 * walks ≈ 10 rules through its metadata machinery for each of up to 1,000 items, about a tenth of
 * a registration's CPU time. A body passing these checks gets the instances class-transformer
 * builds (the same classes, the same keys); undefined means "not certain", never "invalid".
 * A test holds it to the pipe on valid and mutated bodies.
 */
export function fastBatchBody(body: unknown): RegisterQueryBatchDto | undefined {
  if (!isPlainObject(body)) return undefined;
  for (const key in body) if (!ENVELOPE_KEYS.has(key)) return undefined;
  if (!envelopeValid(body)) return undefined;
  const items = body.registrations;
  if (!Array.isArray(items) || items.length < 1 || items.length > MAX_BATCH) return undefined;
  const instants = new Set<string>();
  for (const item of items) if (!itemValid(item, instants)) return undefined;
  const dto = Object.assign(new RegisterQueryBatchDto(), body);
  dto.registrations = items.map((item: Record<string, unknown>) => {
    const fields = Object.assign(new QueryRegistrationFields(), item);
    fields.subject = Object.assign(new QuerySubjectDto(), item.subject);
    return fields;
  });
  return dto;
}

/** The command envelope's rules of CommandDto: a UUID command id, an instant with its offset, ids of at most 100 characters. */
function envelopeValid(body: Record<string, unknown>): boolean {
  if (!text(body.commandId) || !isUUID(body.commandId)) return false;
  if (body.occurredAt !== undefined && !isInstant(body.occurredAt)) return false;
  return optionalText(body.correlationId, 100) && optionalText(body.causationId, 100);
}

/**
 * The same for a single registration's body (envelope and registration side by side): the
 * instance the pipe builds, when it certainly would, else undefined. class-validator's walk costs
 * ≈ 45 µs of CPU per body, this check ≈ 5.
 */
export function fastSingleBody(body: unknown): RegisterQueryDto | undefined {
  if (!isPlainObject(body)) return undefined;
  const item: Record<string, unknown> = {};
  for (const key in body) {
    if (ITEM_KEY_SET.has(key)) item[key] = body[key];
    else if (!(COMMAND_KEYS as readonly string[]).includes(key)) return undefined;
  }
  if (!envelopeValid(body) || !itemValid(item, new Set())) return undefined;
  const dto = Object.assign(new RegisterQueryDto(), body);
  dto.subject = Object.assign(new QuerySubjectDto(), item.subject);
  return dto;
}

/**
 * The batch route's body: the fast check above, else the application's validation pipe exactly as
 * every other body goes through it (the route declares a plain body so the global pipe only
 * inspects it for identifiers, prototype keys and depth, which it still does for every body).
 */
export class BatchBodyPipe implements PipeTransform<unknown, Promise<RegisterQueryBatchDto>> {
  private readonly pipe = ledgerValidationPipe();

  async transform(body: unknown): Promise<RegisterQueryBatchDto> {
    return fastBatchBody(body) ?? ((await this.pipe.transform(body, { type: 'body', metatype: RegisterQueryBatchDto, data: undefined })) as RegisterQueryBatchDto);
  }
}

/** The single registration route's body: fastSingleBody, else the application's validation pipe as for every body. */
export class SingleBodyPipe implements PipeTransform<unknown, Promise<RegisterQueryDto>> {
  private readonly pipe = ledgerValidationPipe();

  async transform(body: unknown): Promise<RegisterQueryDto> {
    return fastSingleBody(body) ?? ((await this.pipe.transform(body, { type: 'body', metatype: RegisterQueryDto, data: undefined })) as RegisterQueryDto);
  }
}
