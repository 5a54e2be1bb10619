import { expectCodedError } from '../../testing/given-when-then';
import { assertItemsWithinAgency } from './rules';

describe('cross-stream rules', () => {
  it('要點 四、五(二): a user may hold items its agency was granted', () =>
    expect(() => assertItemsWithinAgency(['L0101'], ['L0101', 'L0202'])).not.toThrow());

  it('要點 四、五(二): a user may not hold an item its agency was not granted', () =>
    expectCodedError(() => assertItemsWithinAgency(['L0101', 'L0909'], ['L0101']), 'QUERY_ITEMS_NOT_GRANTED_TO_AGENCY', '要點 四'));
});
