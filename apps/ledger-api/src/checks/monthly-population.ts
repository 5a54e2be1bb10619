/**
 * The month's logged queries of one agency, as the sampling check needs them (要點 十二(一)): the
 * ids of every accepted line of the WebIR logs imported for that Taipei month (any order; the draw
 * puts them in canonical order) and the SHA-256 of each of those files.
 */
export interface MonthlyPopulation {
  entryIds: string[];
  logDigests: string[];
  /** Imports of the month started and not completed. */
  importsIncomplete: number;
}

export interface MonthlyPopulationSource {
  population(agencyCode: string, month: string): Promise<MonthlyPopulation>;
}

export const MONTHLY_POPULATION = Symbol('MONTHLY_POPULATION');
