import type { IsoDate } from '../core/calendar';
import { refuse } from '../core/guards';
import type { AccountState } from './account.state';
import type { Handover } from './account.events';

/**
 * 要點 六(四): on an administrator's change of post, the successor takes over and has their own
 * administrator account created first; only then is the predecessor's disabled, on or before the
 * effective date. Lateness is reported (`onTime`), not refused: refusing would keep the old account open.
 */
export function checkAdminHandover(predecessor: AccountState, successor: AccountState, disabledOn: IsoDate): Handover {
  const rule = '要點 六(四)';
  const pending = predecessor.status === 'ACTIVE' && predecessor.kind === 'ADMIN' ? predecessor.pendingPostChange : null;
  if (!pending?.successorAccountId) refuse('NO_HANDOVER_PENDING', rule, 'no administrator post change awaits a handover');
  if (successor.status !== 'NONE' && successor.accountId !== pending.successorAccountId) {
    refuse('HANDOVER_SUCCESSOR_MISMATCH', rule, 'the successor given is not the one the post change named');
  }
  if (successor.status !== 'ACTIVE') {
    refuse('HANDOVER_SUCCESSOR_NOT_ACTIVE', rule, "the successor's administrator account must be created and active before the predecessor's is disabled", {
      successorStatus: successor.status,
    });
  }
  return { successorAccountId: pending.successorAccountId, effectiveDate: pending.effectiveDate, onTime: disabledOn <= pending.effectiveDate };
}
