import { accessReviewsSection } from './access-reviews';
import { accountChangesSection } from './account-changes';
import { agencySection } from './agency';
import { obligationsSection } from './obligations';
import { queryItemsSection } from './query-items';
import { queryLogsSection, unregisteredQueriesSection } from './query-logs';
import { registrationsSection } from './registrations';
import { rosterSection } from './roster';
import { trainingsSection } from './trainings';
import type { SectionDefinition } from './types';

export * from './types';

/**
 * The report's sections in order, one builder per area. Areas that land later add their builder
 * here (before the obligations, which stay last before the integrity statement).
 */
export const SECTIONS: readonly SectionDefinition[] = [
  agencySection,
  queryItemsSection,
  rosterSection,
  accountChangesSection,
  accessReviewsSection,
  trainingsSection,
  registrationsSection,
  // logs (issue 10): the WebIR query log and its reconciliation
  queryLogsSection,
  unregisteredQueriesSection,
  obligationsSection,
];
