import { Inject, Injectable } from '@nestjs/common';
import type { EventStore, RecordedEvent } from '@ledger/event-store';
import { isUnreadablePersonalData, maskNationalId, PersonalDataErasedError, type PersonalDataProtector } from '@ledger/personal-data';
import { type AnomalyView, ETHICS, type EvidenceRef, QUERY_REGISTRATIONS, type QueryRegistrationDocument } from '@ledger/projections';
import type { ReadModelStore } from '@ledger/read-models';
import { EVENT_STORE, PERSONAL_DATA, READ_MODELS } from '../infrastructure/event-store.provider';

interface Subject {
  personId: string;
  nationalIdCiphertext: string;
}

/** One logged query as its log chunk recorded it (the logs' event contract), the subject still sealed. */
interface StoredLine {
  lineNo: number;
  accountId: string;
  loggedAt: string;
  operationCode: string;
  caseNumber?: string;
  reason?: string;
  outcomeCode?: string;
  subject?: Subject;
}

export const ERASED = '(已依規定刪除)';
export const UNREADABLE = '(無法解密:個人資料完整性異常)';

export interface EvidenceView {
  position: string;
  streamId: string;
  loggedQuery: string;
  queriedAt: string;
  knownAt: string;
  logLine: (Omit<StoredLine, 'subject'> & { subject: string | null }) | null;
  registration: { registrationId: string; accountId: string; operationCode: string; plannedAt: string; caseNumber: string; reason: string; subject: string; position: string } | null;
  /** Whether the registration names the same person as the log line (compared by person id, never by number). */
  sameSubject: boolean | null;
}

/**
 * An anomaly's evidence for 政風, read from the log itself: the WebIR log line and the registration
 * it matches, side by side, with the subject masked unless the caller revealed it (the controller
 * records that read first).
 */
@Injectable()
export class EvidenceService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PERSONAL_DATA) private readonly protector: PersonalDataProtector,
  ) {}

  async evidenceOf(anomaly: AnomalyView, limit: number, reveal: boolean): Promise<EvidenceView[]> {
    const events = new Map<string, RecordedEvent | undefined>();
    const out: EvidenceView[] = [];
    for (const ref of anomaly.evidence.slice(0, limit)) out.push(await this.one(anomaly.agencyCode, ref, reveal, events));
    return out;
  }

  private async one(agencyCode: string, ref: EvidenceRef, reveal: boolean, cache: Map<string, RecordedEvent | undefined>): Promise<EvidenceView> {
    const line = await this.lineOf(ref, cache);
    const registration = line ? await this.registrationFor(agencyCode, line) : null;
    const { subject: lineSubject, ...lineRest } = line ?? ({} as StoredLine);
    return {
      position: ref.position,
      streamId: ref.streamId,
      loggedQuery: ref.loggedQuery,
      queriedAt: ref.queriedAt,
      knownAt: ref.knownAt,
      logLine: line ? { ...lineRest, subject: lineSubject ? await this.subject(lineSubject, reveal) : null } : null,
      registration: registration
        ? {
            registrationId: registration.data.registrationId,
            accountId: registration.data.accountId,
            operationCode: registration.data.operationCode,
            plannedAt: registration.data.plannedAt,
            caseNumber: registration.data.caseNumber,
            reason: registration.data.reason,
            subject: await this.subject(registration.data.subject, reveal),
            position: registration.position,
          }
        : null,
      sameSubject: registration && lineSubject ? registration.data.subject.personId === lineSubject.personId : null,
    };
  }

  private async eventAt(position: string, cache: Map<string, RecordedEvent | undefined>): Promise<RecordedEvent | undefined> {
    if (!cache.has(position)) {
      const [event] = await this.store.readAll({ after: BigInt(position) - 1n, maxCount: 1 });
      cache.set(position, event && event.position.toString() === position ? event : undefined);
    }
    return cache.get(position);
  }

  /** The line in the evidence event itself, or (a reconciliation's finding) in the chunk that holds it. */
  private async lineOf(ref: EvidenceRef, cache: Map<string, RecordedEvent | undefined>): Promise<StoredLine | undefined> {
    const lineNo = Number(ref.loggedQuery.slice(ref.loggedQuery.lastIndexOf('.') + 1));
    const inEvent = (event: RecordedEvent | undefined) => ((event?.data as { lines?: StoredLine[] } | undefined)?.lines ?? []).find((l) => l.lineNo === lineNo && l.subject);
    const direct = inEvent(await this.eventAt(ref.position, cache));
    if (direct) return direct;
    const importId = ref.loggedQuery.slice(0, ref.loggedQuery.lastIndexOf('.'));
    const [chunk] = await this.readModels.find<{ position: string }>(ETHICS.chunks, { importId, firstLine: { $lte: lineNo } }, { sort: { firstLine: -1 }, limit: 1 });
    return chunk ? inEvent(await this.eventAt(chunk.position, cache)) : undefined;
  }

  /**
   * The registration a logged query answers to, as the reconciliation matches them (要點 九(一)): the
   * same agency, case number, account and item, planned before it, about the same person (compared by
   * person id in the registration's own event). The latest such one; none for an unregistered query.
   */
  private async registrationFor(agencyCode: string, line: StoredLine) {
    if (!line.caseNumber || !line.subject) return null;
    const candidates = (await this.readModels.find<QueryRegistrationDocument>(QUERY_REGISTRATIONS, { agencyCode, caseNumber: line.caseNumber }, { sort: { registrationId: 1 }, limit: 200 }))
      .filter((r) => r.accountId === line.accountId && r.operationCode === line.operationCode && r.plannedAt <= line.loggedAt)
      .sort((a, b) => (a.plannedAt < b.plannedAt ? 1 : -1));
    for (const candidate of candidates) {
      const [event] = await this.store.readStream(`queryregistration-${candidate.registrationId}`);
      const data = event?.data as { registrationId: string; accountId: string; operationCode: string; plannedAt: string; caseNumber: string; reason: string; subject: Subject } | undefined;
      if (data && data.subject.personId === line.subject.personId) return { data, position: event.position.toString() };
    }
    return null;
  }

  private async subject(subject: Subject, reveal: boolean): Promise<string> {
    try {
      const nationalId = await this.protector.reveal(subject.personId, subject.nationalIdCiphertext, 'nationalId');
      return reveal ? nationalId : maskNationalId(nationalId);
    } catch (error) {
      if (error instanceof PersonalDataErasedError) return ERASED;
      // A damaged vault record must not hide the rest of the evidence from the investigator.
      if (isUnreadablePersonalData(error)) return UNREADABLE;
      throw error;
    }
  }
}
