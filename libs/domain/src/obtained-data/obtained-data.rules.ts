import { addDays, addMonths, type IsoDate } from '../core/calendar';
import { ValidationError } from '../core/domain-error';
import { refuse } from '../core/guards';
import type { ObtainedDataCopyInput } from './obtained-data.commands';
import type { DeletionMethod, ObtainedDataCopy, ObtainedMedium } from './obtained-data.events';

export const PROTECTION_RULE = '要點 九(一)3';
export const DELETION_RULE = '要點 十一(二)';
/** A configured deletion period may only be stricter than the 要點's month: every month has at least 28 days. */
export const MAX_DELETE_WITHIN_DAYS = 28;

/**
 * 要點 十一(二): deletion is due one month after use ended (2) or the basis lapsed (3). A retention
 * period set by law takes precedence (1): the month then runs from the end of that period instead.
 */
export function deletionDueDate(endedOn: IsoDate, retentionUntil: IsoDate | null, deleteWithinDays?: number): IsoDate {
  const from = retentionUntil !== null && retentionUntil > endedOn ? retentionUntil : endedOn;
  if (deleteWithinDays === undefined) return addMonths(from, 1);
  if (!Number.isInteger(deleteWithinDays) || deleteWithinDays < 1 || deleteWithinDays > MAX_DELETE_WITHIN_DAYS) {
    throw new ValidationError('deleteWithinDays', `must be 1–${MAX_DELETE_WITHIN_DAYS}: 要點 十一(二) allows a stricter period than one month, never a looser one`);
  }
  return addDays(from, deleteWithinDays);
}

const REQUIRED_PROTECTION: Record<ObtainedMedium, ObtainedDataCopy['protection']> = { PAPER: 'CONFIDENTIAL_PAPER', ELECTRONIC: 'ENCRYPTED_FILE' };

/** 要點 九(一)3: obtained data kept for a case is paper kept as 密件 or an encrypted electronic file. */
export function assertProtected(copy: ObtainedDataCopyInput): asserts copy is ObtainedDataCopyInput & { protection: ObtainedDataCopy['protection'] } {
  if (copy.protection !== REQUIRED_PROTECTION[copy.medium]) {
    refuse('OBTAINED_DATA_NOT_PROTECTED', '要點 九(一)3', `a ${copy.medium.toLowerCase()} copy must be kept as ${REQUIRED_PROTECTION[copy.medium]}`, {
      copyId: copy.copyId,
      medium: copy.medium,
    });
  }
}

/** 要點 十一(三)1: paper is shredded beyond recognition; electronic files are erased beyond recovery or their medium destroyed. */
export function assertMethodFits(method: DeletionMethod, copies: readonly ObtainedDataCopy[]): void {
  for (const copy of copies) {
    const fits = copy.medium === 'PAPER' ? method === 'SHREDDED' : method === 'SECURE_ERASE' || method === 'MEDIUM_DESTROYED';
    if (!fits) {
      refuse('OBTAINED_DATA_DELETION_METHOD', '要點 十一(三)1', `${method} does not make a ${copy.medium.toLowerCase()} copy unrecoverable`, { copyId: copy.copyId, method });
    }
  }
}
