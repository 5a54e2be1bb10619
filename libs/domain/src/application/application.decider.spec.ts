import { givenFor } from '../../testing/given-when-then';
import { AGENCY, applicationEvents, idOf, OTHER_AGENCY } from '../../testing/test-fixtures';
import { applicationDecider } from './application.decider';

const given = givenFor(applicationDecider);
const signedAt = '2025-07-01T01:00:00.000Z';
const adminForm = { applicationId: 'app_1', agencyCode: AGENCY, kind: 'ADMIN_ACCOUNT_ADD' as const, accountId: idOf('ADMIN') };
const submitted = (kind: Parameters<typeof applicationEvents>[0], options = {}) => applicationEvents(kind, { accountId: idOf('ADMIN'), ...options, approved: 0 });

describe('application decider', () => {
  it('要點 三(一)1、五(二): an administrator account form needs the supervisor, then the competent authority; the central admin executes', () =>
    given([])
      .when({ type: 'SubmitApplication', ...adminForm })
      .then([
        {
          type: 'ApplicationSubmitted',
          data: { ...adminForm, chain: ['SUPERVISOR', 'COMPETENT_AUTHORITY'], executor: 'CENTRAL_ADMIN' },
        },
      ]));

  it('要點 三(一)2、五(二): an agency query-item form goes supervisor → competent authority → central admin → BLI', () =>
    given([])
      .when({ type: 'SubmitApplication', applicationId: 'app_2', agencyCode: AGENCY, kind: 'AGENCY_QUERY_ITEM_CHANGE', queryItems: { add: ['L0101'], remove: [] } })
      .then([
        {
          type: 'ApplicationSubmitted',
          data: {
            applicationId: 'app_2',
            agencyCode: AGENCY,
            kind: 'AGENCY_QUERY_ITEM_CHANGE',
            queryItems: { add: ['L0101'], remove: [] },
            chain: ['SUPERVISOR', 'COMPETENT_AUTHORITY', 'CENTRAL_ADMIN', 'BLI'],
            executor: 'CENTRAL_ADMIN',
          },
        },
      ]));

  it('要點 五(二) 但書: a user account form is complete once the supervisor signs; the agency administrator executes it', () =>
    given(applicationEvents('USER_ACCOUNT_ADD', { accountId: idOf('USER'), approved: 0 }), { actor: 'officer:7' })
      .when({ type: 'ApproveApplicationStep', applicationId: 'app_1', step: 'SUPERVISOR' })
      .then([
        { type: 'ApplicationStepApproved', data: { applicationId: 'app_1', step: 'SUPERVISOR', signedBy: 'officer:7', signedAt } },
        { type: 'ApplicationCompleted', data: { applicationId: 'app_1' } },
      ]));

  it('要點 五(三): each sign-off records who signed and when; the form is not complete before its last step', () =>
    given(submitted('ADMIN_ACCOUNT_ADD'), { actor: 'officer:7' })
      .when({ type: 'ApproveApplicationStep', applicationId: 'app_1', step: 'SUPERVISOR' })
      .then([{ type: 'ApplicationStepApproved', data: { applicationId: 'app_1', step: 'SUPERVISOR', signedBy: 'officer:7', signedAt } }]));

  it('要點 五(二): the competent authority cannot sign before the supervisor', () =>
    given(submitted('ADMIN_ACCOUNT_ADD'))
      .when({ type: 'ApproveApplicationStep', applicationId: 'app_1', step: 'COMPETENT_AUTHORITY' })
      .thenThrows('APPLICATION_STEP_OUT_OF_ORDER', '要點 五(二)'));

  it('要點 五(二): BLI\'s result cannot be recorded before the central admin files the form', () =>
    given(applicationEvents('AGENCY_QUERY_ITEM_CHANGE', { queryItems: { add: ['L0101'], remove: [] }, approved: 2 }))
      .when({ type: 'ApproveApplicationStep', applicationId: 'app_1', step: 'BLI' })
      .thenThrows('APPLICATION_STEP_OUT_OF_ORDER'));

  it('要點 五(二): the last sign-off completes the form', () =>
    given(applicationEvents('AGENCY_QUERY_ITEM_CHANGE', { queryItems: { add: ['L0101'], remove: [] }, approved: 3 }), { actor: 'bli-desk' })
      .when({ type: 'ApproveApplicationStep', applicationId: 'app_1', step: 'BLI' })
      .then([
        { type: 'ApplicationStepApproved', data: { applicationId: 'app_1', step: 'BLI', signedBy: 'bli-desk', signedAt } },
        { type: 'ApplicationCompleted', data: { applicationId: 'app_1' } },
      ]));

  it('要點 五(二)(三): a rejection records the signer and the reason', () =>
    given(submitted('ADMIN_ACCOUNT_ADD'), { actor: 'officer:7' })
      .when({ type: 'RejectApplicationStep', applicationId: 'app_1', step: 'SUPERVISOR', reason: '非業務需要' })
      .then([
        { type: 'ApplicationStepRejected', data: { applicationId: 'app_1', step: 'SUPERVISOR', signedBy: 'officer:7', signedAt, reason: '非業務需要' } },
      ]));

  it('要點 五(二): a rejection at any step ends the form; no later sign-off is accepted', () =>
    given(applicationEvents('ADMIN_ACCOUNT_ADD', { accountId: idOf('ADMIN'), approved: 1, rejected: true }))
      .when({ type: 'ApproveApplicationStep', applicationId: 'app_1', step: 'COMPETENT_AUTHORITY' })
      .thenThrows('APPLICATION_CLOSED', '要點 五(二)'));

  it('要點 五(二): a completed form takes no further sign-off', () =>
    given(applicationEvents('USER_ACCOUNT_ADD', { accountId: idOf('USER') }))
      .when({ type: 'RejectApplicationStep', applicationId: 'app_1', step: 'SUPERVISOR', reason: 'late' })
      .thenThrows('APPLICATION_CLOSED'));

  it('要點 五(三): a filed form is never filed again over its own record', () =>
    given(submitted('ADMIN_ACCOUNT_ADD'))
      .when({ type: 'SubmitApplication', ...adminForm })
      .thenThrows('APPLICATION_ALREADY_SUBMITTED', '要點 五(三)'));

  it('要點 五(二): a sign-off for a form never filed is not found', () =>
    given([]).when({ type: 'ApproveApplicationStep', applicationId: 'app_9', step: 'SUPERVISOR' }).thenThrows('NOT_FOUND'));

  it('要點 五(二): a rejection states its reason', () =>
    given(submitted('ADMIN_ACCOUNT_ADD'))
      .when({ type: 'RejectApplicationStep', applicationId: 'app_1', step: 'SUPERVISOR', reason: ' ' })
      .thenThrows('VALIDATION_FAILED'));

  it('要點 五(二): an administrator form names an administrator account of the applying agency', () => {
    given([]).when({ ...adminForm, type: 'SubmitApplication', accountId: idOf('USER') }).thenThrows('VALIDATION_FAILED');
    given([]).when({ ...adminForm, type: 'SubmitApplication', accountId: idOf('ADMIN', undefined, OTHER_AGENCY) }).thenThrows('VALIDATION_FAILED');
  });

  it('要點 五(二): a form of an unknown kind is refused before anything is recorded', () =>
    given([]).when({ ...adminForm, type: 'SubmitApplication', kind: 'GUEST_ACCOUNT_ADD' } as never).thenThrows('VALIDATION_FAILED'));

  it('要點 五(二): a user query-item form names the user account and at least one operation code', () => {
    const form = { type: 'SubmitApplication' as const, applicationId: 'app_3', agencyCode: AGENCY, kind: 'USER_QUERY_ITEM_CHANGE' as const };
    given([]).when({ ...form, accountId: idOf('USER'), queryItems: { add: [], remove: [] } }).thenThrows('VALIDATION_FAILED');
    given([]).when({ ...form, queryItems: { add: ['L0101'], remove: [] } }).thenThrows('VALIDATION_FAILED');
  });
});
