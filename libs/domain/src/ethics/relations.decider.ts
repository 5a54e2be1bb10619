import { requireAccountId } from '../account/account.ids';
import type { Decider } from '../core/decider';
import { ValidationError } from '../core/domain-error';
import { refuse, requireOneOf, requireText } from '../core/guards';
import { assertIdSegment } from '../core/stream-id';
import { RELATION_KINDS, RelationKind, RelationsEvent } from './ethics.events';

export const RELATIONS_RULE = '要點 八';
const MAX_ENTRIES = 200;

export interface DeclareRelations {
  type: 'DeclareRelations';
  accountId: string;
  /** Loaded by the handler from the account: its holder's person id (not recorded). */
  holderPersonId: string;
  /** The related people's person ids come from the vault's blind index; the numbers never reach the domain. */
  entries: readonly { relatedPersonId: string; relation: RelationKind }[];
}

export interface WithdrawRelation {
  type: 'WithdrawRelation';
  accountId: string;
  relatedPersonId: string;
  reason: string;
}

export type RelationsCommand = DeclareRelations | WithdrawRelation;
export interface RelationsState {
  related: Readonly<Record<string, RelationKind>>;
}

export const relationsDecider: Decider<RelationsCommand, RelationsEvent, RelationsState> = {
  initialState: () => ({ related: {} }),
  evolve(state, event) {
    const related = { ...state.related };
    if (event.type === 'RelationDeclared') related[event.data.relatedPersonId] = event.data.relation;
    else delete related[event.data.relatedPersonId];
    return { related };
  },
  decide(command, state) {
    requireAccountId(command.accountId);
    if (command.type === 'WithdrawRelation') {
      assertIdSegment(command.relatedPersonId, 'relatedPersonId');
      const reason = requireText(command.reason, 'reason');
      if (!state.related[command.relatedPersonId]) refuse('RELATION_NOT_DECLARED', '要點 八', 'this person is not on the user’s relations list');
      return [{ type: 'RelationWithdrawn', data: { accountId: command.accountId, relatedPersonId: command.relatedPersonId, reason } }];
    }
    assertIdSegment(command.holderPersonId, 'holderPersonId');
    if (!Array.isArray(command.entries) || command.entries.length === 0 || command.entries.length > MAX_ENTRIES) {
      throw new ValidationError('entries', `must list 1–${MAX_ENTRIES} people`);
    }
    const seen = new Map<string, RelationKind>();
    command.entries.forEach((entry, i) => {
      assertIdSegment(entry.relatedPersonId, `entries.${i}.relatedPersonId`);
      const relation = requireOneOf(entry.relation, RELATION_KINDS, `entries.${i}.relation`);
      // A query about oneself is its own anomaly (SELF_QUERY); listing the holder would hide nothing and say nothing.
      if (entry.relatedPersonId === command.holderPersonId) refuse('RELATION_TO_SELF', '要點 八', 'the holder is not on their own relations list', { index: i });
      seen.set(entry.relatedPersonId, relation);
    });
    return [...seen]
      .filter(([personId, relation]) => state.related[personId] !== relation)
      .map(([relatedPersonId, relation]) => ({
        type: 'RelationDeclared' as const,
        data: { accountId: command.accountId, relatedPersonId, relation },
      }));
  },
};
