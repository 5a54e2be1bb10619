import { givenFor } from '../../testing/given-when-then';
import { AGENCY, agencyEvents, agencyState, applicationState, grantedItemEvents, OTHER_AGENCY, queryItemState } from '../../testing/test-fixtures';
import type { QueryItemCommand } from './query-item.commands';
import { queryItemDecider } from './query-item.decider';
import type { QueryItemEvent } from './query-item.events';
import { grantedOperationCodes } from './query-item.rules';

const given = givenFor(queryItemDecider);
const item = { agencyCode: AGENCY, operationCode: 'L0101' };
const approvedAgency = agencyState([...agencyEvents(), { type: 'AgencyApprovedForWebIR', data: { agencyCode: AGENCY, reference: null } }]);
const form = (approved?: number, applicationId = 'app_items') =>
  applicationState('AGENCY_QUERY_ITEM_CHANGE', { applicationId, queryItems: { add: ['L0101'], remove: [] }, approved });
const justification = { legalBasis: '社會救助法第44條之3', businessScope: '低收入戶審核', purpose: '資格審查' };
const apply: QueryItemCommand = { type: 'ApplyForQueryItem', ...item, ...justification, applicationId: 'app_items', application: form(1), agency: approvedAgency };

const [applied, caApproved, submitted, bliApproved, granted] = grantedItemEvents('L0101');
const terminated: QueryItemEvent = { type: 'QueryItemTerminated', data: { ...item, reason: '法令變更', reference: null } };

describe('query item decider', () => {
  describe('applying', () => {
    it('要點 四、五(二): an approved agency applies with legal basis, business scope and purpose once its supervisor signed', () =>
      given([]).when(apply).then([applied]));

    it('要點 四: legal basis, business scope and purpose are all required', () =>
      given([])
        .when({ ...apply, legalBasis: '', purpose: '  ' } as QueryItemCommand)
        .thenThrows('QUERY_ITEM_JUSTIFICATION_REQUIRED', '要點 四'));

    it('要點 二(三): an agency the competent authority has not approved for WebIR cannot apply', () =>
      given([]).when({ ...apply, agency: agencyState(agencyEvents()) } as QueryItemCommand).thenThrows('AGENCY_NOT_APPROVED_FOR_WEBIR', '要點 二(三)'));

    it("要點 五(二): the agency's supervisor signs the form before the item is filed", () =>
      given([]).when({ ...apply, application: form(0) } as QueryItemCommand).thenThrows('APPLICATION_NOT_APPROVED', '要點 五(二)'));

    it('要點 五(二): the form must request this operation code', () =>
      given([])
        .when({ ...apply, operationCode: 'L0909' } as QueryItemCommand)
        .thenThrows('APPLICATION_SUBJECT_MISMATCH'));

    it("要點 五(二): another agency's form does not apply", () =>
      given([])
        .when({ ...apply, application: applicationState('AGENCY_QUERY_ITEM_CHANGE', { applicationId: 'app_items', agencyCode: OTHER_AGENCY, queryItems: { add: ['L0101'], remove: [] } }) } as QueryItemCommand)
        .thenThrows('APPLICATION_AGENCY_MISMATCH'));

    it('要點 五(二): an item in review cannot be applied for again', () =>
      given([applied]).when(apply).thenThrows('QUERY_ITEM_STEP_OUT_OF_ORDER'));

    it('要點 九(三)、十二(七): a terminated item may be applied for again on a new form, as a new round', () =>
      given([applied, caApproved, submitted, bliApproved, granted, terminated])
        .when({ ...apply, applicationId: 'app_again', application: form(1, 'app_again') } as QueryItemCommand)
        .then([{ type: 'QueryItemApplied', data: { ...item, ...justification, applicationId: 'app_again', round: 2 } }]));

    it('要點 五(二): a form already executed for this item cannot open a new round', () =>
      given([applied, caApproved, submitted, bliApproved, granted, terminated]).when(apply).thenThrows('APPLICATION_ALREADY_USED'));
  });

  describe('review chain', () => {
    it('要點 三(二)2: the competent authority approves the request', () =>
      given([applied]).when({ type: 'ReviewQueryItem', ...item, decision: 'APPROVED' }).then([caApproved]));

    it('要點 三(二)2: a rejection by the competent authority refuses the item and ends the round', () =>
      given([applied])
        .when({ type: 'ReviewQueryItem', ...item, decision: 'REJECTED', reason: '非最小化' })
        .then([{ type: 'QueryItemRefused', data: { ...item, refusedBy: 'COMPETENT_AUTHORITY', reason: '非最小化', reference: null } }]));

    it('要點 三(一)2: the central admin files the item with BLI after the competent authority approved it', () =>
      given([applied, caApproved]).when({ type: 'SubmitQueryItemToBli', ...item }).then([submitted]));

    it('要點 三(一)2: the central admin cannot file an item the competent authority has not approved', () =>
      given([applied]).when({ type: 'SubmitQueryItemToBli', ...item }).thenThrows('QUERY_ITEM_STEP_OUT_OF_ORDER', '要點 五(二)'));

    it("要點 三(一)2: BLI's approval is recorded with its reference", () =>
      given([applied, caApproved, submitted])
        .when({ type: 'RecordBliResult', ...item, result: 'APPROVED', reference: '保費資字第1140001號' })
        .then([{ type: 'QueryItemApprovedByBli', data: { ...item, reference: '保費資字第1140001號' } }]));

    it("要點 三(一)2: BLI's rejection refuses the item", () =>
      given([applied, caApproved, submitted])
        .when({ type: 'RecordBliResult', ...item, result: 'REJECTED', reason: '無法律依據' })
        .then([{ type: 'QueryItemRefused', data: { ...item, refusedBy: 'BLI', reason: '無法律依據', reference: null } }]));

    it("要點 三(一)2: BLI's result cannot precede the filing", () =>
      given([applied, caApproved]).when({ type: 'RecordBliResult', ...item, result: 'APPROVED' }).thenThrows('QUERY_ITEM_STEP_OUT_OF_ORDER'));

    it('要點 五(二): after a refusal no further step is accepted', () =>
      given([applied, { type: 'QueryItemRefused', data: { ...item, refusedBy: 'COMPETENT_AUTHORITY', reason: 'x', reference: null } }])
        .when({ type: 'SubmitQueryItemToBli', ...item })
        .thenThrows('QUERY_ITEM_CLOSED', '要點 五(二)'));

    it('要點 五(二): a review decision is APPROVED or REJECTED, nothing else is read as a refusal', () =>
      given([applied]).when({ type: 'ReviewQueryItem', ...item, decision: 'APPROVE' } as unknown as QueryItemCommand).thenThrows('VALIDATION_FAILED'));
  });

  describe('granting', () => {
    it("要點 三(一)2、五(二): the central admin grants the item after BLI approved and the form's chain is complete", () =>
      given([applied, caApproved, submitted, bliApproved]).when({ type: 'GrantQueryItem', ...item, application: form() }).then([granted]));

    it("要點 五(二): no grant while the form still awaits BLI's reply", () =>
      given([applied, caApproved, submitted, bliApproved]).when({ type: 'GrantQueryItem', ...item, application: form(3) }).thenThrows('APPLICATION_NOT_COMPLETE'));

    it('要點 五(二): no grant before BLI approved the item', () =>
      given([applied, caApproved, submitted]).when({ type: 'GrantQueryItem', ...item, application: form() }).thenThrows('QUERY_ITEM_STEP_OUT_OF_ORDER'));

    it('要點 四: the agency holds only the items granted to it, and only while granted', () => {
      const granted1 = queryItemState(grantedItemEvents('L0101'));
      const pending2 = queryItemState(grantedItemEvents('L0202').slice(0, 3));
      const ended3 = queryItemState([...grantedItemEvents('L0303'), { type: 'QueryItemTerminated', data: { agencyCode: AGENCY, operationCode: 'L0303', reason: 'x', reference: null } }]);
      const elsewhere = queryItemState(grantedItemEvents('L0404', OTHER_AGENCY));
      expect(grantedOperationCodes(AGENCY, [granted1, pending2, ended3, elsewhere, { status: 'NONE' }])).toEqual(['L0101']);
    });
  });

  describe('termination and usage review', () => {
    const inForce = [applied, caApproved, submitted, bliApproved, granted];

    it('要點 九(三): an item no longer needed is terminated with its reason', () =>
      given(inForce).when({ type: 'TerminateQueryItem', ...item, reason: '法令變更' }).then([terminated]));

    it('要點 九(三): termination states a reason', () =>
      given(inForce).when({ type: 'TerminateQueryItem', ...item, reason: '' }).thenThrows('VALIDATION_FAILED'));

    it('要點 九(三): only a granted item can be terminated', () =>
      given([applied, caApproved]).when({ type: 'TerminateQueryItem', ...item, reason: '法令變更' }).thenThrows('QUERY_ITEM_STEP_OUT_OF_ORDER'));

    it("要點 九(三): the central admin's yearly usage review of a granted item is recorded", () =>
      given(inForce)
        .when({ type: 'RecordQueryItemUsageReview', ...item, stillNeeded: true, note: '114年使用 1,203 筆' })
        .then([{ type: 'QueryItemUsageReviewed', data: { ...item, stillNeeded: true, note: '114年使用 1,203 筆' } }]));

    it('要點 九(三): a terminated item is no longer reviewed', () =>
      given([...inForce, terminated]).when({ type: 'RecordQueryItemUsageReview', ...item, stillNeeded: false }).thenThrows('QUERY_ITEM_CLOSED'));

    it('要點 九(三): a step on an item never applied for is not found', () =>
      given([]).when({ type: 'RecordQueryItemUsageReview', ...item, stillNeeded: true }).thenThrows('NOT_FOUND'));
  });
});
