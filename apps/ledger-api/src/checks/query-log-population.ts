import { Inject, Injectable } from '@nestjs/common';
import { loggedQueryRef, queryLogStreamId, type LoggedQueryLine } from '@ledger/domain';
import type { EventStore } from '@ledger/event-store';
import { monthlyLogImports, monthlyPopulationOf } from '@ledger/projections';
import type { ReadModelStore } from '@ledger/read-models';
import { READ_MODELS } from '../infrastructure/event-store.provider';
import type { MonthlyPopulation, MonthlyPopulationSource } from './monthly-population';

/**
 * The month's population from the WebIR logs (要點 九(二)) imported for it: every accepted line of
 * every completed import whose period is the month, named `<importId>.<lineNo>`, and each file's
 * SHA-256 — read from the imports' own streams (the log itself; the CLI's verify-sample uses it).
 */
export async function loadMonthlyPopulation(store: Pick<EventStore, 'readStream'>, readModels: ReadModelStore, agencyCode: string, month: string): Promise<MonthlyPopulation> {
  const { imports, importing = [] } = await monthlyLogImports(readModels, agencyCode, month);
  const entryIds: string[] = [];
  for (const { importId } of imports) {
    for (const event of await store.readStream(queryLogStreamId(importId))) {
      if (event.type !== 'QueryLogLinesAccepted') continue;
      for (const line of (event.data as { lines: LoggedQueryLine[] }).lines) entryIds.push(loggedQueryRef(importId, line.lineNo));
    }
  }
  return { entryIds, logDigests: imports.map((i) => i.sha256), importsIncomplete: importing.length };
}

@Injectable()
export class QueryLogPopulation implements MonthlyPopulationSource {
  constructor(@Inject(READ_MODELS) private readonly readModels: ReadModelStore) {}

  /** The service reads the line numbers the read model keeps per chunk: the same ids, without parsing every line. */
  population(agencyCode: string, month: string): Promise<MonthlyPopulation> {
    return monthlyPopulationOf(this.readModels, agencyCode, month);
  }
}
