import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import {
  DEFAULT_EXPLAIN_UNREGISTERED_DAYS,
  fold,
  queryRegistrationDecider,
  queryRegistrationStreamId,
  unregisteredQueryDecider,
  unregisteredQueryStreamId,
  upcastAll,
  type QueryRegistrationEvent,
} from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import type { PersonalDataProtector } from '@ledger/personal-data';
import { LEDGER_CONFIG, type LedgerConfig } from '@ledger/platform';
import { loggedQuery, QUERY_LOGS_PROJECTION } from '@ledger/projections';
import type { ProjectionRunner, ReadModelStore } from '@ledger/read-models';
import { CommandEnvelope, CommandProcessor, CommandResult } from '../common/command-processor';
import { CLOCK, Clock, EVENT_STORE, PERSONAL_DATA, PROJECTION_RUNNERS, READ_MODELS } from '../infrastructure/event-store.provider';
import { importQueryLog, MAX_LOG_BYTES, QueryLogFileError, QueryLogImportRequest, QueryLogImportResult } from './query-log-importer';

/** How long an import may wait for the read model to take in its file before it reconciles. */
const RECONCILE_WAIT_MS = 15 * 60_000;

export class PayloadTooLargeError extends Error {}

@Injectable()
export class QueryLogsService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PERSONAL_DATA) private readonly protector: PersonalDataProtector,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_RUNNERS) private readonly runners: ProjectionRunner[],
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly processor: CommandProcessor,
  ) {}

  get windowDays(): number {
    return this.config.queryLogs?.windowDays ?? 1;
  }

  /**
   * The upload is written to a private temporary file (0600, removed afterwards whatever happens)
   * while it arrives, so memory stays bounded; the importer then reads it in passes.
   */
  async importUpload(body: Readable, request: Omit<QueryLogImportRequest, 'path'>): Promise<QueryLogImportResult> {
    const dir = await mkdtemp(join(tmpdir(), 'webir-log-'));
    const path = join(dir, 'upload.csv');
    try {
      let bytes = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          if (bytes > MAX_LOG_BYTES) return done(new PayloadTooLargeError(`the file must be at most ${MAX_LOG_BYTES} bytes`));
          done(null, chunk);
        },
      });
      await pipeline(body, limit, createWriteStream(path, { mode: 0o600 }));
      if (bytes === 0) throw new QueryLogFileError('file', 'is empty: send the CSV file as the request body');
      return await importQueryLog(this.deps(), { ...request, path });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  deps() {
    return {
      store: this.store,
      protector: this.protector,
      readModels: this.readModels,
      clock: this.clock,
      windowDays: this.windowDays,
      explainDays: this.config.queryLogs?.explainDays ?? DEFAULT_EXPLAIN_UNREGISTERED_DAYS,
      waitForQueryLogs: async (position: bigint) => {
        const runner = this.runners.find((r) => r.name === QUERY_LOGS_PROJECTION);
        if (!runner || !(await runner.waitFor(position, RECONCILE_WAIT_MS))) {
          throw new ServiceUnavailableException({ code: 'READ_MODEL_BEHIND', message: 'the query-logs read model did not take in the file in time; send the same file again to finish its reconciliation' });
        }
      },
    };
  }

  /** 要點 九(一): the explanation of a logged query found without a registration, or its late registration. */
  async explain(
    importId: string,
    lineNo: number,
    fields: { resolution: 'EXPLANATION' | 'LATE_REGISTRATION'; explanation?: string; registrationId?: string },
    envelope: CommandEnvelope,
  ): Promise<CommandResult> {
    return this.processor.execute(
      {
        streamId: unregisteredQueryStreamId(importId, lineNo),
        decider: unregisteredQueryDecider,
        request: { type: 'ExplainUnregisteredQuery', importId, lineNo, ...fields },
        command: async () => {
          const doc = await loggedQuery(this.readModels, importId, lineNo);
          let registration;
          if (fields.resolution === 'LATE_REGISTRATION' && fields.registrationId) {
            const events = upcastAll(await this.store.readStream(queryRegistrationStreamId(fields.registrationId))) as unknown as QueryRegistrationEvent[];
            const state = fold(queryRegistrationDecider, events);
            if (state.status === 'REGISTERED') registration = { ...state, personId: state.subject.personId };
          }
          return {
            type: 'ExplainUnregisteredQuery' as const,
            importId,
            lineNo,
            resolution: fields.resolution,
            explanation: fields.explanation ?? null,
            registrationId: fields.registrationId ?? null,
            registration,
            window: { days: this.windowDays },
            logged: doc && {
              importId: doc.importId, lineNo: doc.lineNo, loggedAt: doc.loggedAt, foundUnregistered: doc.foundUnregistered,
              agencyCode: doc.agencyCode, accountId: doc.accountId, operationCode: doc.operationCode, personId: doc.personId, caseNumber: doc.caseNumber,
            },
          };
        },
      },
      envelope,
    );
  }
}
