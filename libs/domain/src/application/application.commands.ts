import type { ApplicationKind, ApprovalStep, QueryItemChanges } from './application.events';

export interface SubmitApplication {
  type: 'SubmitApplication';
  applicationId: string;
  agencyCode: string;
  kind: ApplicationKind;
  accountId?: string;
  queryItems?: QueryItemChanges;
}

/** The step is named, so a sign-off sent for the wrong stage is refused rather than filed under the next one. */
export interface ApproveApplicationStep {
  type: 'ApproveApplicationStep';
  applicationId: string;
  step: ApprovalStep;
}

export interface RejectApplicationStep {
  type: 'RejectApplicationStep';
  applicationId: string;
  step: ApprovalStep;
  reason: string;
}

export type ApplicationCommand = SubmitApplication | ApproveApplicationStep | RejectApplicationStep;
