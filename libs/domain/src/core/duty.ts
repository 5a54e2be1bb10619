import type { IsoDate } from './calendar';

/**
 * Duties whose deadline the 要點 fixes relative to a single event. The event that creates one
 * carries it (`duty`), and the event that fulfils it names its kind (`meetsDuty`), so the
 * obligations read model needs no rule knowledge of its own. Recurring yearly or monthly duties
 * (十二(一), 六(六), 九(三), 十(二)) are scheduled by the read model from its configuration instead.
 */
export const DUTY_KINDS = ['NOTIFY_BLI_OF_PERSONNEL_CHANGE', 'DISABLE_PREDECESSOR_ADMIN', 'ADJUST_OR_REMOVE_MOVED_USER'] as const;
export type DutyKind = (typeof DUTY_KINDS)[number];

export interface Duty {
  kind: DutyKind;
  rule: string;
  /** Met in time when fulfilled by the end of this Asia/Taipei day. */
  dueDate: IsoDate;
}
