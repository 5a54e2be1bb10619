import { requireAccountId } from '../account/account.ids';
import { parseInstant } from '../core/calendar';
import type { Decider } from '../core/decider';
import { ValidationError } from '../core/domain-error';
import { refuse, requireText } from '../core/guards';
import { assertIdSegment } from '../core/stream-id';
import type { QueryRegistrationCommand } from './query-registration.commands';
import { QueryRegistered, QueryRegistrationEvent, queryRegistrationStreamId } from './query-registration.events';
import { assertAccountActiveAt, assertItemGranted, REGISTRATION_RULE } from './query-registration.rules';

export type QueryRegistrationState = { status: 'NONE' } | ({ status: 'REGISTERED' } & QueryRegistered['data']);

const MAX_CASE_NUMBER = 64;
const MAX_REASON = 1000;

export const queryRegistrationDecider: Decider<QueryRegistrationCommand, QueryRegistrationEvent, QueryRegistrationState> = {
  initialState: () => ({ status: 'NONE' }),

  evolve(state, event) {
    return event.type === 'QueryRegistered' ? { status: 'REGISTERED', ...event.data } : state;
  },

  decide: (command, state) => decideRegistration(command, state),
};

function decideRegistration(command: QueryRegistrationCommand, state: QueryRegistrationState): QueryRegistrationEvent[] {
  const { registrationId, agencyCode, accountId, operationCode, account, agencyOperationCodes } = command;
  queryRegistrationStreamId(registrationId);
  assertIdSegment(agencyCode, 'agencyCode');
  requireAccountId(accountId);
  assertIdSegment(operationCode, 'operationCode');
  const planned = parseInstant(command.plannedAt);
  if (!planned.ok) throw new ValidationError('plannedAt', planned.reason);
  const caseNumber = boundedText(command.caseNumber, 'caseNumber', MAX_CASE_NUMBER);
  const reason = boundedText(command.reason, 'reason', MAX_REASON);
  const subject = command.subject;
  if (!subject || isBlankish(subject.personId) || isBlankish(subject.nationalIdCiphertext)) {
    throw new ValidationError('subject', 'must be given (national ID or resident certificate number)');
  }
  const data: QueryRegistered['data'] = {
    registrationId,
    agencyCode,
    accountId,
    operationCode,
    plannedAt: planned.instant,
    caseNumber,
    reason,
    subject: { personId: subject.personId, nationalIdCiphertext: subject.nationalIdCiphertext },
  };

  if (state.status === 'REGISTERED') {
    // A retried batch sends the same registration again: it is already recorded, so nothing is appended.
    // The ciphertext differs on every encryption; the person id names the same subject.
    if (sameRegistration(state, data)) return [];
    refuse('QUERY_REGISTRATION_CONFLICT', REGISTRATION_RULE, `query registration ${registrationId} was recorded with other content`);
  }

  assertAccountActiveAt(account, accountId, agencyCode);
  assertItemGranted(operationCode, account, agencyOperationCodes);
  return [{ type: 'QueryRegistered', data }];
}

function sameRegistration(recorded: QueryRegistered['data'], sent: QueryRegistered['data']): boolean {
  return (
    recorded.agencyCode === sent.agencyCode &&
    recorded.accountId === sent.accountId &&
    recorded.operationCode === sent.operationCode &&
    recorded.plannedAt === sent.plannedAt &&
    recorded.caseNumber === sent.caseNumber &&
    recorded.reason === sent.reason &&
    recorded.subject.personId === sent.subject.personId
  );
}

const isBlankish = (value: unknown) => typeof value !== 'string' || value.trim() === '';

function boundedText(value: unknown, field: string, max: number): string {
  const text = requireText(value, field);
  if ([...text].length > max) throw new ValidationError(field, `must be at most ${max} characters`);
  return text;
}
