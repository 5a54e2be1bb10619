import { NotFoundError } from '../core/domain-error';
import { refuse } from '../core/guards';
import type { ApplicationState } from './application.decider';
import type { ApplicationKind, ApprovalStep } from './application.events';

export interface ApplicationRequirement {
  /** The id the command names; the handler loaded `application` from that stream. */
  applicationId: string;
  kind: ApplicationKind;
  agencyCode: string;
  /** Account forms: the account being acted on. */
  accountId?: string;
  /** Item-change forms: codes being added, each must be on the form. */
  addedOperationCodes?: readonly string[];
  /** Default: the whole chain. An agency may file an item with the competent authority once its supervisor signed. */
  approvedThrough?: ApprovalStep;
  /** Ids this stream already executed: a form authorises one execution. */
  usedApplicationIds?: readonly string[];
}

/**
 * 要點 五(二): nothing takes effect without a form of the right kind, for this agency and subject,
 * signed through its chain. Spans streams, so the handler passes the application's state in.
 */
export function assertApplicationAuthorizes(application: ApplicationState, required: ApplicationRequirement): void {
  const rule = '要點 五(二)';
  if (application.status === 'NONE') throw new NotFoundError('application', required.applicationId);
  if (application.applicationId !== required.applicationId) {
    refuse('APPLICATION_MISMATCH', rule, 'the application given is not the one the command names');
  }
  if (application.kind !== required.kind) {
    refuse('APPLICATION_KIND_MISMATCH', rule, `a ${required.kind} application is required`, { kind: application.kind });
  }
  if (application.agencyCode !== required.agencyCode) {
    refuse('APPLICATION_AGENCY_MISMATCH', rule, 'the application was filed by another agency');
  }
  if (required.accountId !== undefined && application.accountId !== required.accountId) {
    refuse('APPLICATION_SUBJECT_MISMATCH', rule, 'the application concerns another account');
  }
  const notOnForm = (required.addedOperationCodes ?? []).filter((code) => !application.queryItems?.add.includes(code));
  if (notOnForm.length > 0) {
    refuse('APPLICATION_SUBJECT_MISMATCH', rule, 'the application does not request these operation codes', { operationCodes: notOnForm });
  }
  const signed = required.approvedThrough
    ? application.status !== 'REJECTED' && application.approvals.some((a) => a.step === required.approvedThrough)
    : application.status === 'COMPLETE';
  if (!signed) {
    const [code, message] = required.approvedThrough
      ? ['APPLICATION_NOT_APPROVED', `the application is not approved by ${required.approvedThrough}`]
      : ['APPLICATION_NOT_COMPLETE', 'the application has not been signed through its whole chain'];
    refuse(code, rule, message, {
      status: application.status,
      approvedSteps: application.approvals.map((a) => a.step),
    });
  }
  if (required.usedApplicationIds?.includes(application.applicationId)) {
    refuse('APPLICATION_ALREADY_USED', rule, 'the application has already been executed');
  }
}
