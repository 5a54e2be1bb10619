import { addDays, IsoDate, taipeiDateOf } from '../core/calendar';
import type { Decider, DomainEvent } from '../core/decider';
import { ValidationError } from '../core/domain-error';
import { optionalText, refuse, requireText } from '../core/guards';
import { streamIdOf } from '../core/stream-id';

/**
 * 要點 五(三)、六(六)、九(二)、十一(三)、十二(十一): forms and sign-offs, access-review records, WebIR
 * logs, deletion evidence and check and audit records are kept five years. A person's data is
 * erased only once the last record about them has passed that duty, or when a stated legal
 * ground overrides it (e.g. a court order); the override is recorded with the erasure.
 */
export const RETENTION_YEARS = 5;
export const RETENTION_RULE = '要點 五(三)、六(六)、九(二)、十一(三)、十二(十一)';

export interface ErasePerson {
  type: 'ErasePerson';
  /** The ledger's random person id (never a national ID). */
  personId: string;
  /** Legal ground of the erasure; must itself hold no personal data. */
  reason: string;
  /** Legal ground to erase while a retention duty still runs; absent in the ordinary case. */
  legalOverride?: string;
  /** Loaded by the handler: when the latest record about the person occurred (null: none). */
  lastRecordAt: string | null;
  /** Loaded by the handler: how many accounts the person held. */
  accounts: number;
}

export type PersonErased = DomainEvent<
  'PersonErased',
  {
    personId: string;
    reason: string;
    legalOverride: string | null;
    /** End of the retention duty that was checked (Asia/Taipei day), null when no record was kept. */
    retentionUntil: IsoDate | null;
    accounts: number;
    erasedOn: IsoDate;
  }
>;

export type ErasureEvent = PersonErased;
export type ErasureState = { status: 'NONE' } | { status: 'ERASED'; erasedOn: IsoDate };

export const erasureStreamId = (personId: string) => streamIdOf('erasure', personId);

/** The day the duty ends: five years after the Taipei day of the last record, the same calendar day. */
export function retentionUntil(lastRecordAt: string | null): IsoDate | null {
  if (lastRecordAt === null) return null;
  const at = new Date(lastRecordAt);
  if (Number.isNaN(at.getTime())) throw new ValidationError('lastRecordAt', 'must be an ISO-8601 instant');
  const day = taipeiDateOf(at);
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCFullYear(d.getUTCFullYear() + RETENTION_YEARS);
  // 29 Feb + 5 years rolls to 1 Mar: the duty then ends on the last day of February instead.
  const end = d.toISOString().slice(0, 10);
  return end.slice(5, 7) !== day.slice(5, 7) ? addDays(end, -1) : end;
}

export const erasureDecider: Decider<ErasePerson, ErasureEvent, ErasureState> = {
  initialState: () => ({ status: 'NONE' }),
  evolve: (_state, event) => (event.type === 'PersonErased' ? { status: 'ERASED', erasedOn: event.data.erasedOn } : _state),
  decide(command, state, context) {
    if (state.status === 'ERASED') refuse('PERSON_ALREADY_ERASED', '要點 十一', `the person was erased on ${state.erasedOn}`);
    const reason = requireText(command.reason, 'reason');
    const legalOverride = optionalText(command.legalOverride);
    const until = retentionUntil(command.lastRecordAt);
    const today = taipeiDateOf(context.now);
    if (until !== null && today <= until && legalOverride === null) {
      refuse('RETENTION_DUTY_RUNNING', RETENTION_RULE, `records about this person must be kept until ${until}; give a legal override to erase earlier`, {
        retentionUntil: until,
      });
    }
    return [
      {
        type: 'PersonErased',
        data: { personId: command.personId, reason, legalOverride, retentionUntil: until, accounts: command.accounts, erasedOn: today },
      },
    ];
  },
};
