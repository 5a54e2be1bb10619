import { requireAccountId } from '../account/account.ids';
import { parseInstant } from '../core/calendar';
import type { Decider } from '../core/decider';
import { ValidationError } from '../core/domain-error';
import { refuse, requireText } from '../core/guards';
import { assertIdSegment } from '../core/stream-id';
import { assertCaseKey, CaseAssignmentEvent, CaseAssignmentRecorded } from './ethics.events';

export const CASE_ASSIGNMENT_RULE = '要點 八';
const MAX_CASE_NUMBER = 64;
const MAX_ACCOUNTS = 200;

/** Sent by the agency's case system: from `assignedFrom` on, exactly these accounts work on the case. */
export interface RecordCaseAssignment {
  type: 'RecordCaseAssignment';
  agencyCode: string;
  caseNumber: string;
  caseKey: string;
  accountIds: readonly string[];
  /** ISO-8601 with a UTC offset. */
  assignedFrom: string;
}

export type CaseAssignmentState = { status: 'NONE' } | { status: 'RECORDED'; caseNumber: string; accountIds: string[]; assignedFrom: string };

export const caseAssignmentDecider: Decider<RecordCaseAssignment, CaseAssignmentEvent, CaseAssignmentState> = {
  initialState: () => ({ status: 'NONE' }),
  evolve: (_state, event) => ({ status: 'RECORDED', caseNumber: event.data.caseNumber, accountIds: event.data.accountIds, assignedFrom: event.data.assignedFrom }),
  decide(command, state) {
    assertIdSegment(command.agencyCode, 'agencyCode');
    assertCaseKey(command.caseKey);
    const caseNumber = requireText(command.caseNumber, 'caseNumber');
    if ([...caseNumber].length > MAX_CASE_NUMBER) throw new ValidationError('caseNumber', `must be at most ${MAX_CASE_NUMBER} characters`);
    const from = parseInstant(command.assignedFrom);
    if (!from.ok) throw new ValidationError('assignedFrom', from.reason);
    if (!Array.isArray(command.accountIds) || command.accountIds.length > MAX_ACCOUNTS) throw new ValidationError('accountIds', `must list at most ${MAX_ACCOUNTS} accounts`);
    const accountIds = [...new Set(command.accountIds)].sort();
    accountIds.forEach((id, i) => {
      // 要點 八: the agency's own case assignment; a case of one agency cannot make another's users lawful.
      if (requireAccountId(id, `accountIds.${i}`).agencyCode !== command.agencyCode) {
        refuse('CASE_ASSIGNMENT_OTHER_AGENCY', '要點 八', 'a case is assigned to accounts of the agency that owns it', { index: i });
      }
    });
    if (state.status === 'RECORDED') {
      // The stream is named by a digest of the case number: a different number here is a collision, never an update.
      if (state.caseNumber !== caseNumber) refuse('CASE_ASSIGNMENT_CONFLICT', '要點 八', 'this case key was recorded for another case number');
      if (from.instant < state.assignedFrom) {
        refuse('CASE_ASSIGNMENT_OUT_OF_ORDER', '要點 八', 'an assignment cannot take effect before the one already recorded for the case', { assignedFrom: state.assignedFrom });
      }
      // The case system resends its current state: the same set appends nothing.
      if (state.accountIds.join(',') === accountIds.join(',')) return [];
    }
    const data: CaseAssignmentRecorded['data'] = { agencyCode: command.agencyCode, caseNumber, caseKey: command.caseKey, accountIds, assignedFrom: from.instant };
    return [{ type: 'CaseAssignmentRecorded', data }];
  },
};
