import { agencyStreamId } from '../agency/agency.events';
import { accessReviewStreamId } from '../access-review/access-review.events';
import { accountStreamId } from '../account/account.ids';
import { applicationStreamId } from '../application/application.events';
import { queryItemStreamId } from '../query-item/query-item.events';
import { expectCodedError } from '../../testing/given-when-then';
import { idOf } from '../../testing/test-fixtures';

const oneDash = (id: string) => expect(id.split('-')).toHaveLength(2);

describe('stream ids', () => {
  it('要點 二、四、五、六: every stream id is category-id with exactly one dash', () => {
    const ids = [
      agencyStreamId('SWD001'),
      queryItemStreamId('SWD001', 'L0101'),
      applicationStreamId('01J9ZK3Q7T'),
      accountStreamId(idOf('USER')),
      accessReviewStreamId('2025:SWD001'),
    ];
    ids.forEach(oneDash);
    expect(ids.slice(0, 2)).toEqual(['agency-SWD001', 'queryitem-SWD001.L0101']);
    expect(ids[3]).toMatch(/^account-SWD001\.USER\.[0-9a-f]{64}$/);
  });

  it('要點 五(二): a dashed id (e.g. a raw UUID) is refused rather than split into another category', () =>
    expectCodedError(() => applicationStreamId('0b6f3c2e-1d1a-4c1e-9f00-5c1d2e3f4a5b'), 'VALIDATION_FAILED'));

  it('要點 四: an operation code cannot smuggle in the composite separator', () =>
    expectCodedError(() => queryItemStreamId('SWD001', 'L01.01'), 'VALIDATION_FAILED'));

  it('要點 六(一): an account stream id must parse as agency, kind and a lowercase keyed hash', () => {
    expectCodedError(() => accountStreamId(`SWD001.USER.${'A1'.repeat(32)}`), 'VALIDATION_FAILED');
    expectCodedError(() => accountStreamId(`SWD001.GUEST.${'a1'.repeat(32)}`), 'VALIDATION_FAILED');
  });
});
