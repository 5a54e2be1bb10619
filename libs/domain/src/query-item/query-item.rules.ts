import type { QueryItemState } from './query-item.decider';

/**
 * The agency's granted items live in its query-item streams, not in the agency stream, so a grant
 * and a termination each touch one stream only. The handler loads the streams of the codes a
 * command names (`queryItemStreamId(agency, code)`) and this picks out the ones in force.
 */
export function grantedOperationCodes(agencyCode: string, items: readonly QueryItemState[]): string[] {
  return items.flatMap((item) => (item.status === 'GRANTED' && item.agencyCode === agencyCode ? [item.operationCode] : []));
}
