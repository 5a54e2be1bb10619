import type { AccountState } from '../account/account.decider';
import { refuse } from '../core/guards';

export const REGISTRATION_RULE = '要點 九(一)';

/**
 * 要點 六、九(一): a query is registered for an account that is active when the query is planned.
 * `account` is the account's state as of `plannedAt` (the handler folds its history up to then).
 */
export function assertAccountActiveAt(account: AccountState, accountId: string, agencyCode: string): void {
  if (account.status === 'NONE' || account.accountId !== accountId || account.agencyCode !== agencyCode) {
    refuse('QUERY_ACCOUNT_NOT_ACTIVE', '要點 六', "the account does not exist at the agency at the planned query time");
  }
  if (account.status !== 'ACTIVE') {
    refuse('QUERY_ACCOUNT_NOT_ACTIVE', '要點 六', `the account is ${account.status} at the planned query time`, { status: account.status });
  }
}

/** 要點 四、九(三): the query item must have been granted to the agency, and to the account. */
export function assertItemGranted(operationCode: string, account: AccountState, agencyOperationCodes: readonly string[]): void {
  if (!agencyOperationCodes.includes(operationCode)) {
    refuse('QUERY_ITEM_NOT_GRANTED_TO_AGENCY', '要點 四', 'the query item is not granted to the agency', { operationCode });
  }
  if (account.status === 'NONE' || !account.queryItems.includes(operationCode)) {
    refuse('QUERY_ITEM_NOT_GRANTED_TO_ACCOUNT', '要點 九(三)', 'the query item is not granted to the account', { operationCode });
  }
}
