import type { AccountEvent } from '../account/account.events';
import { givenFor } from '../../testing/given-when-then';
import { accountCreated, accountState, AGENCY, idOf, KEY_B, OTHER_AGENCY } from '../../testing/test-fixtures';
import type { RegisterQuery } from './query-registration.commands';
import { queryRegistrationDecider } from './query-registration.decider';
import type { QueryRegistrationEvent } from './query-registration.events';

const given = givenFor(queryRegistrationDecider);
const user = idOf('USER');
const granted = (operationCodes: string[]): AccountEvent => ({
  type: 'AccountQueryItemsGranted',
  data: { accountId: user, operationCodes, applicationId: 'app_items' },
});
const activeUser = accountState([accountCreated('USER'), granted(['LI_ENROLMENT'])]);
const subject = { personId: 'person_7f3a', nationalIdCiphertext: 'v1.iv.tag.ct' };

const register = (overrides: Partial<RegisterQuery> = {}): RegisterQuery => ({
  type: 'RegisterQuery',
  registrationId: 'SWD001_2025_000123',
  agencyCode: AGENCY,
  accountId: user,
  operationCode: 'LI_ENROLMENT',
  plannedAt: '2025-03-05T09:30:00+08:00',
  caseNumber: '114社救字第0123號',
  reason: '低收入戶資格審查',
  subject,
  account: activeUser,
  agencyOperationCodes: ['LI_ENROLMENT', 'LI_SALARY'],
  ...overrides,
});

const registered: QueryRegistrationEvent = {
  type: 'QueryRegistered',
  data: {
    registrationId: 'SWD001_2025_000123',
    agencyCode: AGENCY,
    accountId: user,
    operationCode: 'LI_ENROLMENT',
    plannedAt: '2025-03-05T01:30:00.000Z',
    caseNumber: '114社救字第0123號',
    reason: '低收入戶資格審查',
    subject,
  },
};

describe('query registration decider', () => {
  it('要點 九(一): a query is registered with account, time, item, case number, reason and the protected subject', () =>
    given([]).when(register()).then([registered]));

  it('要點 九(一): the planned time is stored in UTC; an offset-less time is refused, not guessed', () => {
    given([]).when(register({ plannedAt: '2025-03-05T09:30:00' })).thenThrows('VALIDATION_FAILED');
    given([]).when(register({ plannedAt: '2025-02-30T09:30:00+08:00' })).thenThrows('VALIDATION_FAILED');
  });

  it('要點 九(一): case number, reason and subject are required', () => {
    given([]).when(register({ caseNumber: ' ' })).thenThrows('VALIDATION_FAILED');
    given([]).when(register({ reason: '' })).thenThrows('VALIDATION_FAILED');
    given([]).when(register({ subject: { personId: '', nationalIdCiphertext: 'x' } })).thenThrows('VALIDATION_FAILED');
    given([]).when(register({ reason: '審'.repeat(1001) })).thenThrows('VALIDATION_FAILED');
  });

  it('要點 六: an account that is disabled at the planned time cannot query', () => {
    const disabled = accountState([
      accountCreated('USER'),
      granted(['LI_ENROLMENT']),
      { type: 'AccountDisabled', data: { accountId: user, reason: '離職', disabledOn: '2025-03-01' } },
    ]);
    given([]).when(register({ account: disabled })).thenThrows('QUERY_ACCOUNT_NOT_ACTIVE', '要點 六');
  });

  it('要點 六: an account that does not exist (yet) at the planned time, or belongs to another agency, cannot query', () => {
    given([]).when(register({ account: accountState([]) })).thenThrows('QUERY_ACCOUNT_NOT_ACTIVE', '要點 六');
    given([]).when(register({ account: accountState([accountCreated('USER', KEY_B)]) })).thenThrows('QUERY_ACCOUNT_NOT_ACTIVE');
    given([]).when(register({ agencyCode: OTHER_AGENCY })).thenThrows('QUERY_ACCOUNT_NOT_ACTIVE');
  });

  it('要點 四: a query item the agency was not granted is refused', () =>
    given([]).when(register({ agencyOperationCodes: ['LI_SALARY'] })).thenThrows('QUERY_ITEM_NOT_GRANTED_TO_AGENCY', '要點 四'));

  it('要點 九(三): a query item the account does not hold is refused, even when the agency holds it', () =>
    given([]).when(register({ operationCode: 'LI_SALARY' })).thenThrows('QUERY_ITEM_NOT_GRANTED_TO_ACCOUNT', '要點 九(三)'));

  it('要點 九(一): sending the same registration again appends nothing (a retried batch)', () =>
    given([registered]).when(register({ subject: { ...subject, nationalIdCiphertext: 'v1.iv2.tag2.ct2' } })).then([]));

  it('要點 九(一): the same registration id with other content is refused, not overwritten', () => {
    given([registered]).when(register({ caseNumber: '114社救字第9999號' })).thenThrows('QUERY_REGISTRATION_CONFLICT', '要點 九(一)');
    given([registered]).when(register({ subject: { personId: 'person_other', nationalIdCiphertext: 'x' } })).thenThrows('QUERY_REGISTRATION_CONFLICT');
  });

  it('stream ids are built from the registration id only, which must be an id segment', () =>
    given([]).when(register({ registrationId: 'A123456789-1' })).thenThrows('VALIDATION_FAILED'));
});
