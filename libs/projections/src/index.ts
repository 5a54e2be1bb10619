export * from './time';
export * from './roster/roster-entry';
export * from './roster/roster.projection';
export * from './roster/roster.queries';
export * from './obligations/obligations.projection';
export * from './obligations/obligations.queries';
export * from './queries/query-registrations.projection';
export * from './queries/query-registrations.queries';
// 政風 (ethics)
export * from './ethics/anomalies.projection';
export * from './ethics/anomalies.queries';
