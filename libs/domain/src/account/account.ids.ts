import { ValidationError } from '../core/domain-error';
import { compositeId, isIdSegment, streamIdOf } from '../core/stream-id';

/** 管理者 / 使用者. */
export const ACCOUNT_KINDS = ['ADMIN', 'USER'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

// Lowercase only: 'AB…' and 'ab…' would otherwise name two streams for one person and defeat
// the one-account-per-person rule that the deterministic id exists to enforce.
const HOLDER_KEY = /^[0-9a-f]{32,128}$/;

export function assertHolderKey(value: unknown): asserts value is string {
  if (typeof value !== 'string' || !HOLDER_KEY.test(value)) {
    throw new ValidationError('holderKey', 'must be a lowercase hex keyed hash (32–128 characters)');
  }
}

/**
 * 要點 六(一): one stream per (agency, kind, person), keyed by a keyed hash of the national ID, so
 * "at most one active account of a kind per person and agency" is decided inside one stream.
 */
export function accountIdOf(agencyCode: string, kind: AccountKind, holderKey: string): string {
  assertHolderKey(holderKey);
  return compositeId({ agencyCode, kind, holderKey });
}

export interface AccountIdParts {
  agencyCode: string;
  kind: AccountKind;
  holderKey: string;
}

export function parseAccountId(accountId: unknown): AccountIdParts | undefined {
  if (typeof accountId !== 'string') return undefined;
  const [agencyCode, kind, holderKey, ...rest] = accountId.split('.');
  const valid = rest.length === 0 && isIdSegment(agencyCode) && (ACCOUNT_KINDS as readonly string[]).includes(kind) && HOLDER_KEY.test(holderKey ?? '');
  if (!valid) return undefined;
  return { agencyCode, kind: kind as AccountKind, holderKey };
}

export function requireAccountId(accountId: unknown, field = 'accountId'): AccountIdParts {
  const parts = parseAccountId(accountId);
  if (!parts) throw new ValidationError(field, 'must be <agencyCode>.<ADMIN|USER>.<holderKey>');
  return parts;
}

export const accountStreamId = (accountId: string) => {
  requireAccountId(accountId);
  return streamIdOf('account', accountId);
};
