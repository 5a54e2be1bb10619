import { expectCodedError } from '../../testing/given-when-then';
import { AGENCY, applicationState, idOf, OTHER_AGENCY } from '../../testing/test-fixtures';
import { ApplicationRequirement, assertApplicationAuthorizes } from './application.rules';

const userAdd: ApplicationRequirement = { applicationId: 'app_1', kind: 'USER_ACCOUNT_ADD', agencyCode: AGENCY, accountId: idOf('USER') };
const completeUserAdd = applicationState('USER_ACCOUNT_ADD', { accountId: idOf('USER') });
const itemForm = (approved?: number, rejected = false) =>
  applicationState('AGENCY_QUERY_ITEM_CHANGE', { queryItems: { add: ['L0101'], remove: [] }, approved, rejected });
const itemChange: ApplicationRequirement = { applicationId: 'app_1', kind: 'AGENCY_QUERY_ITEM_CHANGE', agencyCode: AGENCY, addedOperationCodes: ['L0101'] };

describe('assertApplicationAuthorizes', () => {
  it('要點 五(二): a complete form of the right kind, agency and subject authorises the change', () =>
    expect(() => assertApplicationAuthorizes(completeUserAdd, userAdd)).not.toThrow());

  it('要點 五(二): a form that was never filed is not found', () =>
    expectCodedError(() => assertApplicationAuthorizes({ status: 'NONE' }, userAdd), 'NOT_FOUND'));

  it('要點 五(二): the state given must be of the form the command names', () =>
    expectCodedError(() => assertApplicationAuthorizes(completeUserAdd, { ...userAdd, applicationId: 'app_2' }), 'APPLICATION_MISMATCH'));

  it('要點 五(二): a form of another kind does not authorise', () =>
    expectCodedError(() => assertApplicationAuthorizes(completeUserAdd, { ...userAdd, kind: 'USER_ACCOUNT_REMOVE' }), 'APPLICATION_KIND_MISMATCH', '要點 五(二)'));

  it("要點 五(二): another agency's form does not authorise", () =>
    expectCodedError(() => assertApplicationAuthorizes(completeUserAdd, { ...userAdd, agencyCode: OTHER_AGENCY }), 'APPLICATION_AGENCY_MISMATCH'));

  it('要點 五(二): a form for another account does not authorise', () =>
    expectCodedError(() => assertApplicationAuthorizes(completeUserAdd, { ...userAdd, accountId: idOf('USER', 'b2'.repeat(32)) }), 'APPLICATION_SUBJECT_MISMATCH'));

  it('要點 五(二): an operation code not on the form is not authorised', () =>
    expectCodedError(() => assertApplicationAuthorizes(itemForm(), { ...itemChange, addedOperationCodes: ['L0909'] }), 'APPLICATION_SUBJECT_MISMATCH'));

  it('要點 五(二): a form signed only part-way does not authorise the change', () =>
    expectCodedError(() => assertApplicationAuthorizes(itemForm(3), itemChange), 'APPLICATION_NOT_COMPLETE', '要點 五(二)'));

  it("要點 五(二): the supervisor's signature is enough when only that stage is required", () =>
    expect(() => assertApplicationAuthorizes(itemForm(1), { ...itemChange, approvedThrough: 'SUPERVISOR' })).not.toThrow());

  it('要點 五(二): a rejected form authorises nothing, whatever it collected before', () =>
    expectCodedError(() => assertApplicationAuthorizes(itemForm(1, true), { ...itemChange, approvedThrough: 'SUPERVISOR' }), 'APPLICATION_NOT_APPROVED'));

  it('要點 五(二): one form is executed once', () =>
    expectCodedError(() => assertApplicationAuthorizes(completeUserAdd, { ...userAdd, usedApplicationIds: ['app_1'] }), 'APPLICATION_ALREADY_USED'));
});
