export * from './core/decider';
export * from './core/domain-error';
export * from './agency/agency.events';
export * from './agency/agency.decider';
