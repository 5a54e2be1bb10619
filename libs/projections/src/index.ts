export * from './time';
export * from './roster/roster-entry';
export * from './roster/roster.projection';
export * from './roster/roster.queries';
export * from './obligations/obligations.projection';
export * from './obligations/obligations.queries';
export * from './queries/query-registrations.projection';
export * from './queries/query-registrations.queries';
// WebIR query logs and their reconciliation (要點 九(一)(二))
export * from './query-log/query-log.projection';
export * from './query-log/query-log.queries';
// records: obtained data, incidents, inspections
export * from './obtained-data/obtained-data.projection';
export * from './obtained-data/obtained-data.queries';
export * from './inspections/webir-service.projection';
export * from './inspections/webir-service.queries';
export * from './incidents/incidents.projection';
export * from './incidents/incidents.queries';
export * from './inspections/inspections.projection';
// Checks and audits (要點 十二(一)).
export * from './checks/monthly-log-imports.projection';
// 政風 (ethics)
export * from './ethics/anomalies.projection';
export * from './ethics/anomalies.queries';
