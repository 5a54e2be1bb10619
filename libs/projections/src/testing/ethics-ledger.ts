import type { LedgerEventData, LedgerEventType } from '@ledger/domain';
import type { RecordedEvent } from '@ledger/event-store';
import type { LoggedLine } from '../ethics/anomalies.projection';

/**
 * A ledger for the 政風 tests and bench, built event by event with its own positions: accounts,
 * registrations, case assignments and WebIR log lines of a generated month (as the log import
 * records them: QueryLogLinesAccepted chunks), plus seeded anomalies.
 */
export class EthicsLedger {
  readonly events: RecordedEvent[] = [];
  private position = 0n;
  private readonly revisions = new Map<string, number>();
  private importNo = 0;

  add<T extends LedgerEventType>(streamId: string, type: T, data: LedgerEventData<T>, occurredAt: string, recordedAt = occurredAt): RecordedEvent {
    return this.push(streamId, type, data as unknown as Record<string, unknown>, occurredAt, recordedAt);
  }

  private push(streamId: string, type: string, data: Record<string, unknown>, occurredAt: string, recordedAt: string): RecordedEvent {
    this.position += 1n;
    const revision = (this.revisions.get(streamId) ?? -1) + 1;
    this.revisions.set(streamId, revision);
    const event: RecordedEvent = {
      streamId,
      revision,
      position: this.position,
      eventId: `00000000-0000-4000-8000-${this.position.toString().padStart(12, '0')}`,
      type,
      data,
      metadata: { $correlationId: 'c', $causationId: 'c', commandId: `cmd-${this.position}`, actor: 'test', occurredAt, recordedAt, schemaVersion: 1, prevHash: '', hash: '' },
    };
    this.events.push(event);
    return event;
  }

  account(agencyCode: string, holderKey: string, personId: string, items: string[], at: string): string {
    const accountId = `${agencyCode}.USER.${holderKey}`;
    const holder = { personId, holderKey, nationalIdCiphertext: 'v1.iv.tag.ct', nameCiphertext: 'v1.iv.tag.nm' };
    this.add(`account-${accountId}`, 'AccountCreated', {
      accountId, agencyCode, kind: 'USER', incarnation: 1, applicationId: 'app', holder, myEGovAccountId: 'egov', certificateBound: true, post: '科員', unit: '一科',
    }, at);
    this.add(`account-${accountId}`, 'AccountQueryItemsGranted', { accountId, operationCodes: items, applicationId: 'app' }, at);
    return accountId;
  }

  register(registrationId: string, line: Omit<LoggedLine, 'lineNo'> & { agencyCode: string; plannedAt: string }, recordedAt = line.plannedAt): void {
    this.add(`queryregistration-${registrationId}`, 'QueryRegistered', {
      registrationId, agencyCode: line.agencyCode, accountId: line.accountId, operationCode: line.operationCode, plannedAt: line.plannedAt,
      caseNumber: line.caseNumber ?? '', reason: '業務查詢', subject: { personId: line.subjectPersonId, nationalIdCiphertext: 'v1.iv.tag.ct' },
    }, line.plannedAt, recordedAt);
  }

  /** One imported file: its lines in chunks of `chunkLines`, recorded at `recordedAt`. Returns the import id. */
  log(agencyCode: string, lines: Omit<LoggedLine, 'lineNo'>[], recordedAt: string, chunkLines = 500): string {
    // Tests name lines by their order; the import numbers them from 2 (the header is line 1).
    this.importNo += 1;
    const importId = `${agencyCode}.${this.importNo.toString(16).padStart(32, '0')}`;
    for (let i = 0, chunk = 0; i < lines.length; i += chunkLines, chunk++) {
      const part = lines.slice(i, i + chunkLines).map((l, j) => ({
        lineNo: i + j + 2,
        accountId: l.accountId,
        loggedAt: l.loggedAt,
        operationCode: l.operationCode,
        subject: { personId: l.subjectPersonId, nationalIdCiphertext: 'v1.iv.tag.ct' },
        caseNumber: l.caseNumber ?? '',
        reason: '業務查詢',
        outcomeCode: 'FOUND' as const,
      }));
      this.add(`querylog-${importId}`, 'QueryLogLinesAccepted', { importId, agencyCode, period: lines[0].loggedAt.slice(0, 7), chunk, lines: part }, recordedAt, recordedAt);
    }
    return importId;
  }
}

/** A deterministic generator (mulberry32) so a failing month can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface OrdinaryMonthOptions {
  agencyCode: string;
  /** YYYY-MM. */
  month: string;
  accounts: number;
  queriesPerAccountPerDay: number;
  seed?: number;
  /** Prefix of the generated holder and subject person ids, to keep several agencies apart. */
  prefix?: string;
  ledger: EthicsLedger;
}

/**
 * A month of ordinary work: every query registered shortly before, made on a working day (Monday to
 * Friday) between 09:00 and 17:00 Taipei time, about a different stranger each time, with an item the
 * account holds, under its own case number, below every volume threshold. No rule should fire.
 */
export function ordinaryMonth(o: OrdinaryMonthOptions): { accountIds: string[]; lines: number } {
  const rand = seeded(o.seed ?? 1);
  const prefix = o.prefix ?? o.agencyCode.toLowerCase();
  const [year, month] = o.month.split('-').map(Number);
  const before = new Date(Date.UTC(year, month - 2, 20)).toISOString();
  const prefixHex = [...prefix].map((c) => c.charCodeAt(0).toString(16)).join('').slice(0, 16).padEnd(16, '0');
  const accountIds = Array.from({ length: o.accounts }, (_, i) =>
    o.ledger.account(o.agencyCode, `${prefixHex}${i.toString(16).padStart(16, '0')}`, `person_${prefix}holder${i}`, ['LI_ENROLMENT', 'LI_SALARY'], before),
  );
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const lines: Omit<LoggedLine, 'lineNo'>[] = [];
  let n = 0;
  for (let d = 1; d <= days; d++) {
    const weekday = new Date(Date.UTC(year, month - 1, d)).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    for (const accountId of accountIds) {
      for (let q = 0; q < o.queriesPerAccountPerDay; q++) {
        n += 1;
        // 09:00–17:00 Taipei = 01:00–09:00 UTC.
        const minute = Math.floor(rand() * 8 * 60);
        const at = new Date(Date.UTC(year, month - 1, d, 1, minute, Math.floor(rand() * 60))).toISOString();
        const line = {
          accountId,
          loggedAt: at,
          operationCode: rand() < 0.5 ? 'LI_ENROLMENT' : 'LI_SALARY',
          subjectPersonId: `person_${prefix}s${n}`,
          caseNumber: `114社字第${n}號`,
        };
        o.ledger.register(`${o.agencyCode}_R${n}`, { ...line, agencyCode: o.agencyCode, plannedAt: new Date(Date.parse(at) - 60_000).toISOString() });
        lines.push(line);
      }
    }
  }
  lines.sort((a, b) => (a.loggedAt < b.loggedAt ? -1 : 1));
  o.ledger.log(o.agencyCode, lines, new Date(Date.UTC(year, month, 2, 2)).toISOString());
  return { accountIds, lines: lines.length };
}
