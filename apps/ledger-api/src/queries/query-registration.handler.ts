import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  accountDecider,
  accountStreamId,
  businessTimeOf,
  Decider,
  DomainEvent,
  DomainRuleError,
  fold,
  grantedOperationCodes,
  NotFoundError,
  queryItemDecider,
  queryItemStreamId,
  queryRegistrationDecider,
  queryRegistrationStreamId,
  ValidationError,
} from '@ledger/domain';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import type { PersonalDataProtector } from '@ledger/personal-data';
import { CommandEnvelope, CommandProcessor, CommandResult } from '../common/command-processor';
import { EVENT_STORE, PERSONAL_DATA } from '../infrastructure/event-store.provider';
import type { QueryRegistrationFields } from './query-registration.dto';
import { knownSubject, PENDING_SUBJECT, SubjectProtectionBatcher } from './query-subject';
import { StreamHistories } from './stream-histories';

/** One registration's outcome in a batch: its result, or the refusal that left its stream untouched. */
export type BatchOutcome =
  | { registrationId: string; status: 'REGISTERED' | 'ALREADY_REGISTERED'; streamId: string; position: string }
  | { registrationId: string; status: 'REFUSED'; code: string; rule?: string; field?: string; message: string };

/**
 * Streams read by the registrations of one batch (accounts, query items): each read once per batch,
 * and folded once per planned instant (a batch's registrations mostly share one or a few).
 */
interface StreamReads {
  events: Map<string, Promise<readonly RecordedEvent[]>>;
  states: Map<string, Promise<unknown>>;
}
const newStreamReads = (): StreamReads => ({ events: new Map(), states: new Map() });

@Injectable()
export class QueryRegistrationService {
  private readonly subjects: SubjectProtectionBatcher;
  private readonly histories: StreamHistories;

  constructor(
    private readonly processor: CommandProcessor,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PERSONAL_DATA) private readonly protector: PersonalDataProtector,
  ) {
    this.subjects = new SubjectProtectionBatcher(protector);
    this.histories = new StreamHistories(store);
  }

  async register(fields: QueryRegistrationFields, envelope: CommandEnvelope, reads?: StreamReads): Promise<CommandResult> {
    const { subject: plain, ...rest } = fields;
    // Only a lookup here: the person id and data key are made once the decider has accepted the
    // registration (`accepted`), so a refused one leaves nothing in the vault.
    const known = knownSubject(this.protector, plain.nationalId);
    // The fingerprint of a retry must not depend on the ciphertext, which is new on every encryption.
    const requestFor = (subjectPersonId: string | null) => ({ type: 'RegisterQuery' as const, ...rest, subjectPersonId });
    return this.processor.execute(
      {
        streamId: queryRegistrationStreamId(fields.registrationId),
        decider: queryRegistrationDecider,
        request: async () => requestFor(await known.personId()),
        command: async (state) => {
          const planned = new Date(fields.plannedAt).toISOString();
          const [account, item] = await Promise.all([
            this.asOf(accountStreamId(fields.accountId), accountDecider, planned, reads),
            this.asOf(queryItemStreamId(fields.agencyCode, fields.operationCode), queryItemDecider, planned, reads),
          ]);
          // The decider compares the subject only with a registration already recorded on this stream.
          const subject = state.status === 'REGISTERED' ? await known.subject() : PENDING_SUBJECT;
          return { ...rest, type: 'RegisterQuery' as const, subject, account, agencyOperationCodes: grantedOperationCodes(fields.agencyCode, [item]) };
        },
        accepted: async (events) => {
          const subject = await this.subjects.protect(known.checked);
          return { events: events.map((e) => ({ ...e, data: { ...e.data, subject } })), request: requestFor(subject.personId) };
        },
      },
      envelope,
    );
  }

  /**
   * Each registration is its own command on its own stream; one refused leaves the others alone.
   * Different registrations run side by side, so the accepted ones meet in one vault transaction
   * (SubjectProtectionBatcher) and their appends in one store transaction (the store's group
   * commit): two syncs for the batch instead of three per registration. The accounts and query
   * items they name are read once per batch. A registration id sent twice in one batch waits for its
   * first occurrence, so the second is ALREADY_REGISTERED exactly as when sent one after the other.
   * Outcomes keep the order sent.
   */
  async registerBatch(items: QueryRegistrationFields[], envelope: CommandEnvelope): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = new Array(items.length);
    const byId = new Map<string, number[]>();
    items.forEach((item, i) => byId.set(item.registrationId, [...(byId.get(item.registrationId) ?? []), i]));
    const reads = newStreamReads();
    const one = async (i: number) => {
      const item = items[i];
      // A retried batch reuses its commandId; each item gets its own, fixed by the batch and the registration.
      const itemEnvelope = { ...envelope, commandId: nameUuid(envelope.commandId.toLowerCase(), item.registrationId) };
      try {
        const result = await this.register(item, itemEnvelope, reads);
        const appended = result.events.length > 0 && !result.replayed;
        outcomes[i] = { registrationId: item.registrationId, status: appended ? 'REGISTERED' : 'ALREADY_REGISTERED', streamId: result.streamId, position: result.position };
      } catch (error) {
        outcomes[i] = refusalOf(item.registrationId, error);
      }
    };
    await Promise.all(
      [...byId.values()].map(async (group) => {
        for (const i of group) await one(i);
      }),
    );
    return outcomes;
  }

  /** The stream's state at `instant` in business time (要點 六: whether the account was active when the query is planned). */
  private asOf<S, E extends DomainEvent>(streamId: string, decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>, instant: string, reads: StreamReads = newStreamReads()): Promise<S> {
    const key = `${streamId}\u0000${instant}`;
    let state = reads.states.get(key) as Promise<S> | undefined;
    if (!state) {
      let read = reads.events.get(streamId);
      if (!read) {
        read = this.histories.read(streamId);
        reads.events.set(streamId, read);
      }
      // The folded state is shared by the registrations planned at the same instant; deciders only read it.
      state = read.then((events) => fold(decider, events.filter((e) => businessTimeOf(e.data, e.metadata.occurredAt) <= instant) as unknown as E[]));
      reads.states.set(key, state);
    }
    return state;
  }
}

function refusalOf(registrationId: string, error: unknown): BatchOutcome {
  if (error instanceof DomainRuleError) return { registrationId, status: 'REFUSED', code: error.code, rule: error.rule, message: error.message };
  if (error instanceof ValidationError) return { registrationId, status: 'REFUSED', code: error.code, field: error.field, message: error.message };
  if (error instanceof NotFoundError) return { registrationId, status: 'REFUSED', code: error.code, message: error.message };
  const code = (error as { code?: unknown })?.code;
  // Coded errors of the command path (a reused commandId, a business time out of range) keep their code;
  // anything else is a fault of the ledger and fails the whole request.
  if (typeof code === 'string' && error instanceof Error) return { registrationId, status: 'REFUSED', code, message: error.message };
  throw error;
}

function nameUuid(...parts: string[]): string {
  const h = createHash('sha256').update(['query-registration-batch', ...parts].join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
