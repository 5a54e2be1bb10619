import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { upcast } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { DEFAULT_DEADLINES, ObligationDeadlines, obligationsProjection, queryLogsProjection, QUERY_LOGS_PROJECTION, queryRegistrationsProjection, rosterProjection } from '@ledger/projections';
// records
import { incidentsProjection, inspectionsProjection, obtainedDataProjection, webirServiceProjection } from '@ledger/projections';
// Checks and audits
import { monthlyLogImportsProjection } from '@ledger/projections';
// 政風 (ethics)
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig } from '@ledger/domain';
import { anomaliesProjection, ANOMALIES_PROJECTION } from '@ledger/projections';
import { ProjectionRunner, ReadModelStore, SqliteReadModelStore } from '@ledger/read-models';
import type { LedgerConfig } from './config';

/** MongoDB when MONGODB_URL is set (production shape), else the embedded SQLite file. */
export async function createReadModelStore(config: LedgerConfig): Promise<ReadModelStore> {
  if (config.mongodbUrl) {
    const { MongoReadModelStore } = await import('@ledger/read-models/mongo/mongo-read-model-store');
    return MongoReadModelStore.connect({ url: config.mongodbUrl, serverSelectionTimeoutMS: config.mongodbServerSelectionTimeoutMs });
  }
  return new SqliteReadModelStore({ file: join(config.dataDir, 'read-models.db') });
}

export function projectionsFor(
  deadlines: ObligationDeadlines = DEFAULT_DEADLINES,
  queryLogs: { windowDays: number } = { windowDays: 1 },
  detectors: DetectorConfig = DEFAULT_DETECTOR_CONFIG,
) {
  return [
    rosterProjection,
    obligationsProjection(deadlines),
    queryRegistrationsProjection,
    queryLogsProjection({ days: queryLogs.windowDays }),
    // records
    obtainedDataProjection,
    webirServiceProjection,
    incidentsProjection,
    inspectionsProjection,
    // Checks and audits (要點 十二(一)).
    monthlyLogImportsProjection,
    // 政風 (ethics)
    anomaliesProjection(detectors),
  ];
}

/** A page of log chunks holds up to 500 lines an event: smaller pages keep a projection's memory bounded. */
const PAGE_SIZES: Readonly<Record<string, number>> = { [QUERY_LOGS_PROJECTION]: 64, [monthlyLogImportsProjection.name]: 64, [ANOMALIES_PROJECTION]: 64 };

/**
 * `leaseHolder` (the service passes one per process): several instances may share the stores, and
 * each projection is run by the one instance holding its lease in the read-model store; the
 * others stand by, serve reads, and take over when the holder's lease expires.
 */
export function createProjectionRunners(eventStore: EventStore, readModels: ReadModelStore, config: LedgerConfig, options: { leaseHolder?: string } = {}): ProjectionRunner[] {
  const lease = options.leaseHolder ? { holder: options.leaseHolder, ttlMs: config.projectionLeaseMs } : undefined;
  return projectionsFor(config.deadlines, config.queryLogs, config.ethicsDetectors).map(
    (projection) =>
      new ProjectionRunner({ projection, eventStore, readModels, upcast, lease, pageSize: PAGE_SIZES[projection.name], logger: new Logger(`Projection ${projection.name}`) }),
  );
}
