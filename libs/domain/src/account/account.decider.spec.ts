import { givenFor } from '../../testing/given-when-then';
import {
  accountCreated,
  accountState,
  AGENCY,
  applicationState,
  grantedItemEvents,
  holderOf,
  idOf,
  KEY_A,
  KEY_B,
  OTHER_AGENCY,
  queryItemState,
} from '../../testing/test-fixtures';
import type { AccountCommand } from './account.commands';
import { accountDecider } from './account.decider';
import type { AccountEvent } from './account.events';

const given = givenFor(accountDecider);
const USER_ID = idOf('USER');
const ADMIN_ID = idOf('ADMIN');
const SUCCESSOR_ID = idOf('ADMIN', KEY_B);

const create = (kind: 'ADMIN' | 'USER', overrides: Partial<Extract<AccountCommand, { type: 'CreateAccount' }>> = {}): AccountCommand => ({
  type: 'CreateAccount',
  accountId: idOf(kind),
  agencyCode: AGENCY,
  kind,
  applicationId: 'app_add',
  application: applicationState(kind === 'ADMIN' ? 'ADMIN_ACCOUNT_ADD' : 'USER_ACCOUNT_ADD', { applicationId: 'app_add', accountId: idOf(kind) }),
  holder: holderOf(KEY_A),
  myEGovAccountId: 'egov:a1a1',
  certificateBound: true,
  post: '科員',
  unit: '社會救助科',
  ...overrides,
});

const userCreated = accountCreated('USER');
const adminCreated = accountCreated('ADMIN');
const disabled = (accountId: string, extra = {}): AccountEvent => ({ type: 'AccountDisabled', data: { accountId, reason: '離職', disabledOn: '2025-06-30', ...extra } });
const deleted = (accountId: string, applicationId = 'app_remove'): AccountEvent => ({ type: 'AccountDeleted', data: { accountId, reason: '離職', applicationId } });
const userMoved: AccountEvent = {
  type: 'AccountPostChanged',
  data: { accountId: USER_ID, effectiveDate: '2025-07-15', newPost: null, newUnit: '長期照顧科', successorAccountId: null, duty: { kind: 'ADJUST_OR_REMOVE_MOVED_USER', rule: '要點 六(五)', dueDate: '2025-07-15' }, reportedLate: false },
};
const adminMoved = (effectiveDate = '2025-07-01'): AccountEvent => ({
  type: 'AccountPostChanged',
  data: { accountId: ADMIN_ID, effectiveDate, newPost: null, newUnit: null, successorAccountId: SUCCESSOR_ID, duty: { kind: 'DISABLE_PREDECESSOR_ADMIN', rule: '要點 六(四)', dueDate: effectiveDate }, reportedLate: false },
});
const successorActive = accountState([accountCreated('ADMIN', KEY_B, AGENCY, 'app_successor')]);

const itemForm = (add: string[], applicationId = 'app_items') => applicationState('USER_QUERY_ITEM_CHANGE', { applicationId, accountId: USER_ID, queryItems: { add, remove: [] } });
const grant = (operationCodes: string[], overrides = {}): AccountCommand => ({
  type: 'GrantAccountQueryItems',
  accountId: USER_ID,
  operationCodes,
  applicationId: 'app_items',
  application: itemForm(operationCodes),
  agencyQueryItems: [queryItemState(grantedItemEvents('L0101')), queryItemState(grantedItemEvents('L0202'))],
  ...overrides,
});
const itemsGranted: AccountEvent = { type: 'AccountQueryItemsGranted', data: { accountId: USER_ID, operationCodes: ['L0101', 'L0202'], applicationId: 'app_items' } };
const removal = (kind: 'ADMIN_ACCOUNT_REMOVE' | 'USER_ACCOUNT_REMOVE', accountId: string, approved?: number) =>
  applicationState(kind, { applicationId: 'app_remove', accountId, approved });

describe('account decider', () => {
  describe('creation', () => {
    it('要點 五(一)(二): an account is created for a certificate-bound MyEGov account on a completed form', () =>
      given([]).when(create('USER')).then([userCreated]));

    it('要點 五(一): no account without a bound certificate', () =>
      given([]).when(create('USER', { certificateBound: false })).thenThrows('CERTIFICATE_NOT_BOUND', '要點 五(一)'));

    it('要點 五(一): no account without a MyEGov government account', () =>
      given([]).when(create('USER', { myEGovAccountId: ' ' })).thenThrows('MYEGOV_ACCOUNT_REQUIRED', '要點 五(一)'));

    it("要點 五(二): no administrator account before its form's chain is complete", () =>
      given([])
        .when(create('ADMIN', { application: applicationState('ADMIN_ACCOUNT_ADD', { applicationId: 'app_add', accountId: ADMIN_ID, approved: 1 }) }))
        .thenThrows('APPLICATION_NOT_COMPLETE', '要點 五(二)'));

    it('要點 五(二): an administrator account needs an ADMIN_ACCOUNT_ADD form, not a user form', () =>
      given([])
        .when(create('ADMIN', { application: applicationState('USER_ACCOUNT_ADD', { applicationId: 'app_add', accountId: ADMIN_ID }) }))
        .thenThrows('APPLICATION_KIND_MISMATCH', '要點 五(二)'));

    it("要點 五(二): another agency's form does not create an account here", () =>
      given([])
        .when(create('USER', { application: applicationState('USER_ACCOUNT_ADD', { applicationId: 'app_add', agencyCode: OTHER_AGENCY, accountId: USER_ID }) }))
        .thenThrows('APPLICATION_AGENCY_MISMATCH'));

    it('要點 六(一): one natural person holds at most one active account of a kind per agency', () =>
      given([userCreated]).when(create('USER', { applicationId: 'app_add2', application: applicationState('USER_ACCOUNT_ADD', { applicationId: 'app_add2', accountId: USER_ID }) })).thenThrows('ONE_ACCOUNT_PER_PERSON', '要點 六(一)'));

    it('要點 六(一): a disabled account still counts; it must be deleted before a new one is created', () =>
      given([userCreated, disabled(USER_ID)]).when(create('USER', { applicationId: 'app_add2', application: applicationState('USER_ACCOUNT_ADD', { applicationId: 'app_add2', accountId: USER_ID }) })).thenThrows('ONE_ACCOUNT_PER_PERSON'));

    it('要點 六(一): after deletion the same person may get a new account of the kind, as a new incarnation', () => {
      const again = applicationState('USER_ACCOUNT_ADD', { applicationId: 'app_add2', accountId: USER_ID });
      return given([userCreated, deleted(USER_ID)])
        .when(create('USER', { applicationId: 'app_add2', application: again }))
        .then([{ type: 'AccountCreated', data: { ...(userCreated.data as object), incarnation: 2, applicationId: 'app_add2' } } as AccountEvent]);
    });

    it('要點 五(二): a form that already created an account cannot create it again', () =>
      given([userCreated, deleted(USER_ID)]).when(create('USER')).thenThrows('APPLICATION_ALREADY_USED'));

    it("要點 六(一): the account id is derived from agency, kind and the holder's key, so uniqueness is exact", () =>
      given([]).when(create('USER', { holder: holderOf(KEY_B) })).thenThrows('ACCOUNT_ID_MISMATCH', '要點 六(一)'));

    it('要點 六(一): a recreated account must be for the same person as before', () =>
      given([userCreated, deleted(USER_ID)])
        .when(create('USER', { holder: holderOf(KEY_A, 'person:someone-else'), applicationId: 'app_add2', application: applicationState('USER_ACCOUNT_ADD', { applicationId: 'app_add2', accountId: USER_ID }) }))
        .thenThrows('HOLDER_MISMATCH', '要點 六(一)'));

    it('要點 六(一): an account is never handed over to another person', () =>
      given([userCreated]).when({ type: 'ChangeAccountHolder', accountId: USER_ID, personId: 'person:successor' }).thenThrows('ACCOUNT_NOT_TRANSFERABLE', '要點 六(一)'));
  });

  describe('query items', () => {
    it("要點 四、五(二): a user is granted items its agency holds, on a supervisor-approved form", () =>
      given([userCreated]).when(grant(['L0101', 'L0202'])).then([itemsGranted]));

    it('要點 四、五(二): a user cannot be granted an item its agency was not granted', () =>
      given([userCreated])
        .when(grant(['L0101', 'L0303'], { agencyQueryItems: [queryItemState(grantedItemEvents('L0101')), queryItemState(grantedItemEvents('L0303').slice(0, 4))] }))
        .thenThrows('QUERY_ITEMS_NOT_GRANTED_TO_AGENCY', '要點 四'));

    it("要點 五(二): an item not on the user's form is not granted", () =>
      given([userCreated]).when(grant(['L0101', 'L0202'], { application: itemForm(['L0101']) })).thenThrows('APPLICATION_SUBJECT_MISMATCH'));

    it('要點 五(二): query items are granted to user accounts', () =>
      given([adminCreated]).when(grant(['L0101'], { accountId: ADMIN_ID })).thenThrows('QUERY_ITEMS_USER_ACCOUNTS_ONLY', '要點 五(二)'));

    it('要點 六(六): items are revoked at once with a reason, without waiting for a form', () =>
      given([userCreated, itemsGranted])
        .when({ type: 'RevokeAccountQueryItems', accountId: USER_ID, operationCodes: ['L0202'], reason: '權限清查：職務調整' })
        .then([{ type: 'AccountQueryItemsRevoked', data: { accountId: USER_ID, operationCodes: ['L0202'], reason: '權限清查：職務調整' } }]));

    it('要點 四: only items the account holds can be revoked', () =>
      given([userCreated, itemsGranted]).when({ type: 'RevokeAccountQueryItems', accountId: USER_ID, operationCodes: ['L0909'], reason: 'x' }).thenThrows('QUERY_ITEMS_NOT_HELD'));
  });

  describe('post changes', () => {
    it('要點 六(五): a user\'s post change opens the duty to adjust or remove the account by the effective date', () =>
      given([userCreated])
        .when({ type: 'RecordAccountPostChange', accountId: USER_ID, effectiveDate: '2025-07-15', newUnit: '長期照顧科' })
        .then([userMoved]));

    it('要點 六(五): adjusting the moved user\'s items meets that duty', () =>
      given([userCreated, itemsGranted, userMoved])
        .when({ type: 'RevokeAccountQueryItems', accountId: USER_ID, operationCodes: ['L0101', 'L0202'], reason: '調職' })
        .then([{ type: 'AccountQueryItemsRevoked', data: { accountId: USER_ID, operationCodes: ['L0101', 'L0202'], reason: '調職', meetsDuty: 'ADJUST_OR_REMOVE_MOVED_USER' } }]));

    it('要點 六(五): removing the moved user\'s account meets that duty', () =>
      given([userCreated, userMoved])
        .when({ type: 'DeleteAccount', accountId: USER_ID, reason: '調職', applicationId: 'app_remove', application: removal('USER_ACCOUNT_REMOVE', USER_ID) })
        .then([{ type: 'AccountDeleted', data: { accountId: USER_ID, reason: '調職', applicationId: 'app_remove', meetsDuty: 'ADJUST_OR_REMOVE_MOVED_USER' } }]));

    it("要點 六(四): an administrator's post change names the successor and opens the duty to disable by the effective date", () =>
      given([adminCreated])
        .when({ type: 'RecordAccountPostChange', accountId: ADMIN_ID, effectiveDate: '2025-07-01', successorAccountId: SUCCESSOR_ID })
        .then([adminMoved()]));

    it("要點 六(四): an administrator's post change must name a successor", () =>
      given([adminCreated]).when({ type: 'RecordAccountPostChange', accountId: ADMIN_ID, effectiveDate: '2025-07-01' }).thenThrows('HANDOVER_SUCCESSOR_REQUIRED', '要點 六(四)'));

    it("要點 六(一)(四): the successor is another person's administrator account at the same agency, never the same account", () => {
      given([adminCreated]).when({ type: 'RecordAccountPostChange', accountId: ADMIN_ID, effectiveDate: '2025-07-01', successorAccountId: ADMIN_ID }).thenThrows('HANDOVER_SUCCESSOR_INVALID');
      given([adminCreated]).when({ type: 'RecordAccountPostChange', accountId: ADMIN_ID, effectiveDate: '2025-07-01', successorAccountId: idOf('USER', KEY_B) }).thenThrows('HANDOVER_SUCCESSOR_INVALID');
    });

    it('要點 六(五): a new post change waits until the previous one was acted on', () =>
      given([userCreated, userMoved]).when({ type: 'RecordAccountPostChange', accountId: USER_ID, effectiveDate: '2025-08-01' }).thenThrows('POST_CHANGE_PENDING', '要點 六(五)'));
  });

  describe('disabling and handover', () => {
    it('要點 六: an account is disabled with a reason on the Asia/Taipei day it happens', () =>
      given([userCreated], { occurredAt: new Date('2025-06-30T17:00:00Z') })
        .when({ type: 'DisableAccount', accountId: USER_ID, reason: '長期閒置' })
        .then([{ type: 'AccountDisabled', data: { accountId: USER_ID, reason: '長期閒置', disabledOn: '2025-07-01' } }]));

    it("要點 六(四): the predecessor is disabled on the effective date after the successor's account exists: on time, duty met", () =>
      given([adminCreated, adminMoved('2025-07-01')])
        .when({ type: 'DisableAccount', accountId: ADMIN_ID, reason: '職務異動', successor: successorActive })
        .then([
          {
            type: 'AccountDisabled',
            data: {
              accountId: ADMIN_ID,
              reason: '職務異動',
              disabledOn: '2025-07-01',
              handover: { successorAccountId: SUCCESSOR_ID, effectiveDate: '2025-07-01', onTime: true },
              meetsDuty: 'DISABLE_PREDECESSOR_ADMIN',
            },
          },
        ]));

    it("要點 六(四): the predecessor cannot be disabled for handover before the successor's administrator account is created", () =>
      given([adminCreated, adminMoved()])
        .when({ type: 'DisableAccount', accountId: ADMIN_ID, reason: '職務異動', successor: { status: 'NONE' } })
        .thenThrows('HANDOVER_SUCCESSOR_NOT_ACTIVE', '要點 六(四)'));

    it("要點 六(四): during a handover the successor's account must be given", () =>
      given([adminCreated, adminMoved()]).when({ type: 'DisableAccount', accountId: ADMIN_ID, reason: '職務異動' }).thenThrows('HANDOVER_SUCCESSOR_REQUIRED', '要點 六(四)'));

    it('要點 六(四): a disable after the effective date is recorded as late rather than refused', () =>
      given([adminCreated, adminMoved('2025-06-30')])
        .when({ type: 'DisableAccount', accountId: ADMIN_ID, reason: '職務異動', successor: successorActive })
        .then([
          {
            type: 'AccountDisabled',
            data: {
              accountId: ADMIN_ID,
              reason: '職務異動',
              disabledOn: '2025-07-01',
              handover: { successorAccountId: SUCCESSOR_ID, effectiveDate: '2025-06-30', onTime: false },
              meetsDuty: 'DISABLE_PREDECESSOR_ADMIN',
            },
          },
        ]));

    it('要點 六(四): a successor cannot be given when no handover is pending', () =>
      given([adminCreated]).when({ type: 'DisableAccount', accountId: ADMIN_ID, reason: 'x', successor: successorActive }).thenThrows('NO_HANDOVER_PENDING'));
  });

  describe('deletion and inert states', () => {
    it('要點 三(一)1、五(二): a disabled administrator account is deleted on a completed ADMIN_ACCOUNT_REMOVE form', () =>
      given([adminCreated, disabled(ADMIN_ID)])
        .when({ type: 'DeleteAccount', accountId: ADMIN_ID, reason: '離職', applicationId: 'app_remove', application: removal('ADMIN_ACCOUNT_REMOVE', ADMIN_ID) })
        .then([deleted(ADMIN_ID)]));

    it('要點 五(二): an administrator account is not deleted before the competent authority reviewed the form', () =>
      given([adminCreated])
        .when({ type: 'DeleteAccount', accountId: ADMIN_ID, reason: '離職', applicationId: 'app_remove', application: removal('ADMIN_ACCOUNT_REMOVE', ADMIN_ID, 1) })
        .thenThrows('APPLICATION_NOT_COMPLETE'));

    it('要點 五(二): a user account is deleted on a USER_ACCOUNT_REMOVE form, not an administrator one', () =>
      given([userCreated])
        .when({ type: 'DeleteAccount', accountId: USER_ID, reason: '離職', applicationId: 'app_remove', application: removal('ADMIN_ACCOUNT_REMOVE', USER_ID) })
        .thenThrows('APPLICATION_KIND_MISMATCH'));

    it('要點 六: a disabled account can only be deleted — no grants, revocations, post changes or second disable', () => {
      const history = [userCreated, itemsGranted, disabled(USER_ID)];
      given(history).when(grant(['L0101'], { applicationId: 'app_items2', application: itemForm(['L0101'], 'app_items2') })).thenThrows('ACCOUNT_NOT_ACTIVE', '要點 六');
      given(history).when({ type: 'RevokeAccountQueryItems', accountId: USER_ID, operationCodes: ['L0101'], reason: 'x' }).thenThrows('ACCOUNT_NOT_ACTIVE');
      given(history).when({ type: 'RecordAccountPostChange', accountId: USER_ID, effectiveDate: '2025-08-01' }).thenThrows('ACCOUNT_NOT_ACTIVE');
      given(history).when({ type: 'DisableAccount', accountId: USER_ID, reason: 'x' }).thenThrows('ACCOUNT_NOT_ACTIVE');
    });

    it('要點 六: nothing can be done to a deleted account', () =>
      given([userCreated, deleted(USER_ID)])
        .when({ type: 'DeleteAccount', accountId: USER_ID, reason: 'x', applicationId: 'app_remove2', application: applicationState('USER_ACCOUNT_REMOVE', { applicationId: 'app_remove2', accountId: USER_ID }) })
        .thenThrows('ACCOUNT_NOT_ACTIVE'));

    it('要點 六: a command for an account never created is not found', () =>
      given([]).when({ type: 'DisableAccount', accountId: USER_ID, reason: 'x' }).thenThrows('NOT_FOUND'));
  });

  describe('要點 六(四)(五): the account-change procedure is filed before the move', () => {
    const move = { type: 'RecordAccountPostChange' as const, accountId: USER_ID, newUnit: '長期照顧科' };
    it('given a user, when the move is reported on 07-01 (Taipei) effective 06-30, then the post change is marked reported late', () => {
      const events = accountDecider.decide({ ...move, effectiveDate: '2025-06-30' }, accountState([userCreated]), {
        now: new Date('2025-07-01T02:00:00.000Z'), occurredAt: new Date('2025-06-30T16:30:00.000Z'), actor: 'a',
      });
      expect(events[0].data).toMatchObject({ reportedLate: true, duty: { dueDate: '2025-06-30' } });
    });
    it('given a user, when the move is reported on its effective day itself, then it is not late', () => {
      const events = accountDecider.decide({ ...move, effectiveDate: '2025-07-01' }, accountState([userCreated]), {
        now: new Date('2025-07-01T02:00:00.000Z'), occurredAt: new Date('2025-06-30T16:30:00.000Z'), actor: 'a',
      });
      expect(events[0].data).toMatchObject({ reportedLate: false });
    });
  });
});
