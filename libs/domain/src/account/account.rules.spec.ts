import { expectCodedError } from '../../testing/given-when-then';
import { accountCreated, accountState, AGENCY, idOf, KEY_B, KEY_C } from '../../testing/test-fixtures';
import type { AccountEvent } from './account.events';
import { checkAdminHandover } from './account.rules';

const SUCCESSOR_ID = idOf('ADMIN', KEY_B);
const movedOn = (effectiveDate: string): AccountEvent => ({
  type: 'AccountPostChanged',
  data: { accountId: idOf('ADMIN'), effectiveDate, newPost: null, newUnit: null, successorAccountId: SUCCESSOR_ID, duty: { kind: 'DISABLE_PREDECESSOR_ADMIN', rule: '要點 六(四)', dueDate: effectiveDate } },
});
const predecessor = accountState([accountCreated('ADMIN'), movedOn('2025-07-01')]);
const successor = accountState([accountCreated('ADMIN', KEY_B, AGENCY, 'app_s')]);

describe('checkAdminHandover', () => {
  it('要點 六(四): disabling on the effective date, after the successor took over, is on time', () =>
    expect(checkAdminHandover(predecessor, successor, '2025-07-01')).toEqual({ successorAccountId: SUCCESSOR_ID, effectiveDate: '2025-07-01', onTime: true }));

  it('要點 六(四): disabling before the effective date is on time too', () => expect(checkAdminHandover(predecessor, successor, '2025-06-25').onTime).toBe(true));

  it('要點 六(四): disabling after the effective date is late', () => expect(checkAdminHandover(predecessor, successor, '2025-07-02').onTime).toBe(false));

  it("要點 六(四): the successor's administrator account must exist first", () =>
    expectCodedError(() => checkAdminHandover(predecessor, { status: 'NONE' }, '2025-07-01'), 'HANDOVER_SUCCESSOR_NOT_ACTIVE', '要點 六(四)'));

  it("要點 六(四): a disabled successor account cannot take over", () => {
    const gone = accountState([accountCreated('ADMIN', KEY_B, AGENCY, 'app_s'), { type: 'AccountDisabled', data: { accountId: SUCCESSOR_ID, reason: 'x', disabledOn: '2025-06-30' } }]);
    expectCodedError(() => checkAdminHandover(predecessor, gone, '2025-07-01'), 'HANDOVER_SUCCESSOR_NOT_ACTIVE');
  });

  it('要點 六(四): only the successor the post change named can take over', () =>
    expectCodedError(() => checkAdminHandover(predecessor, accountState([accountCreated('ADMIN', KEY_C)]), '2025-07-01'), 'HANDOVER_SUCCESSOR_MISMATCH'));

  it('要點 六(四): there is no handover without an administrator post change', () =>
    expectCodedError(() => checkAdminHandover(accountState([accountCreated('ADMIN')]), successor, '2025-07-01'), 'NO_HANDOVER_PENDING'));
});
