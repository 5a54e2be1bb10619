import { accessReviewsSection } from './access-reviews';
import { accountChangesSection } from './account-changes';
import { agencySection } from './agency';
import { obligationsSection } from './obligations';
import { queryItemsSection } from './query-items';
import { queryLogsSection, unregisteredQueriesSection } from './query-logs';
import { bliInspectionsSection, incidentsSection, obtainedDataSection } from './records';
import { auditsSection, monthlyChecksSection } from './checks';
import { ethicsSection } from './ethics';
import { registrationsSection } from './registrations';
import { rosterSection } from './roster';
import { trainingsSection } from './trainings';
import type { GeneratorVersion } from '../format';
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
  // checks (issue 12): monthly sampling checks, quarterly submissions, audits
  monthlyChecksSection,
  auditsSection,
  // records (issue 11): BLI inspections, incidents, obtained data and deletions
  bliInspectionsSection,
  incidentsSection,
  obtainedDataSection,
  // ethics: anomalies and 政風's investigations
  ethicsSection,
  obligationsSection,
];

/**
 * The sections of each generator version, so that a package keeps verifying by the rules it was made
 * under. A version's list is never edited once packages of it may exist: a new or changed section is
 * a new version (in format.ts) with a list of its own; a changed builder keeps its old definition for
 * the older versions.
 */
export const SECTION_SETS: Readonly<Record<GeneratorVersion, readonly SectionDefinition[]>> = {
  // Before the anomalies and investigations section.
  '1.0.0': SECTIONS.filter((s) => s !== ethicsSection),
  '1.1.0': SECTIONS,
};
