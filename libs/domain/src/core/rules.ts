import { refuse } from './guards';

/**
 * 要點 四、五(二): a user may hold only items its agency has been granted. Spans streams (account
 * vs. query-item), so the handler passes the agency's granted codes in and the check stays pure.
 */
export function assertItemsWithinAgency(userItems: readonly string[], agencyItems: readonly string[]): void {
  const outside = userItems.filter((code) => !agencyItems.includes(code));
  if (outside.length > 0) {
    refuse('QUERY_ITEMS_NOT_GRANTED_TO_AGENCY', '要點 四', 'query items must be among those granted to the agency', {
      operationCodes: outside,
    });
  }
}
