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
  /** Code of the agency (the body of 要點 三) the signer acts for; recorded with the sign-off. */
  signedFor?: string;
}

export interface RejectApplicationStep {
  type: 'RejectApplicationStep';
  applicationId: string;
  step: ApprovalStep;
  reason: string;
  signedFor?: string;
}

export type ApplicationCommand = SubmitApplication | ApproveApplicationStep | RejectApplicationStep;
