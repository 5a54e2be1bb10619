/**
 * Every code a decider refuses a command with, with the 要點 point it cites and an example of its
 * message. Controllers document their 422 answers from here (never copying codes by hand), and
 * refusals.spec.ts fails when a decider uses a code that is missing here or cites another point.
 * Codes whose point depends on the command (the application and handover rules) list the usual one.
 */
export const REFUSALS = {
  ACCESS_REVIEW_ACCOUNT_OUT_OF_SCOPE: { rule: '要點 六(六)', example: "the review covers the agency's user accounts" },
  ACCESS_REVIEW_ALREADY_OPENED: { rule: '要點 六(六)', example: 'access review SWD001_2025_review already exists' },
  ACCESS_REVIEW_CLOSED: { rule: '要點 六(六)', example: 'the access review is closed' },
  ACCESS_REVIEW_FINDING_DUPLICATE: { rule: '要點 六(六)', example: 'this account already has a finding in this review' },
  ACCESS_REVIEW_FINDING_NEEDS_ACTION: { rule: '要點 六(六)', example: 'a DEPARTED finding needs an action' },
  ACCESS_REVIEW_INCOMPLETE: { rule: '要點 六(六)', example: 'every user account on the roster needs a finding' },
  ACCESS_REVIEWER_NOT_ADMIN: { rule: '要點 六(六)', example: 'an access review is carried out by an active administrator of the agency' },
  ACCOUNT_ID_MISMATCH: { rule: '要點 六(一)', example: 'the account id must be derived from its agency, kind and holder' },
  ACCOUNT_NOT_ACTIVE: { rule: '要點 六', example: 'GrantAccountQueryItems is not allowed while DISABLED' },
  ACCOUNT_NOT_TRANSFERABLE: { rule: '要點 六(一)', example: 'an account belongs to the person it was created for and is never handed over' },
  AGENCY_ALREADY_APPROVED: { rule: '要點 二(三)', example: 'agency SWD001 is already approved' },
  AGENCY_APPROVAL_NOT_APPLICABLE: { rule: '要點 二(三)', example: 'only a data-requester agency is approved for WebIR use' },
  AGENCY_NOT_APPROVED_FOR_WEBIR: { rule: '要點 二(三)', example: 'the agency is not approved to use WebIR' },
  APPLICATION_AGENCY_MISMATCH: { rule: '要點 五(二)', example: 'the application was filed by another agency' },
  APPLICATION_ALREADY_SUBMITTED: { rule: '要點 五(三)', example: 'application SWD001_2025_017 is already submitted' },
  APPLICATION_ALREADY_USED: { rule: '要點 五(二)', example: 'the application has already been executed' },
  APPLICATION_CLOSED: { rule: '要點 五(二)', example: 'application is COMPLETE' },
  APPLICATION_KIND_MISMATCH: { rule: '要點 五(二)', example: 'a USER_ACCOUNT_ADD application is required' },
  APPLICATION_MISMATCH: { rule: '要點 五(二)', example: 'the application given is not the one the command names' },
  APPLICATION_NOT_APPROVED: { rule: '要點 五(二)', example: 'the application is not approved by SUPERVISOR' },
  APPLICATION_NOT_COMPLETE: { rule: '要點 五(二)', example: 'the application has not been signed through its whole chain' },
  APPLICATION_STEP_OUT_OF_ORDER: { rule: '要點 五(二)', example: 'the next sign-off is COMPETENT_AUTHORITY' },
  APPLICATION_SUBJECT_MISMATCH: { rule: '要點 五(二)', example: 'the application concerns another account' },
  CERTIFICATE_NOT_BOUND: { rule: '要點 五(一)', example: "the holder's MyEGov account must be bound to their citizen digital certificate" },
  HANDOVER_SUCCESSOR_INVALID: { rule: '要點 六(四)', example: "the successor must be another person's administrator account at the same agency" },
  HANDOVER_SUCCESSOR_MISMATCH: { rule: '要點 六(四)', example: 'the successor given is not the one the post change named' },
  HANDOVER_SUCCESSOR_NOT_ACTIVE: { rule: '要點 六(四)', example: "the successor's administrator account must be created and active before the predecessor's is disabled" },
  HANDOVER_SUCCESSOR_REQUIRED: { rule: '要點 六(四)', example: 'an administrator post change names the successor account' },
  HOLDER_MISMATCH: { rule: '要點 六(一)', example: 'the account was created before for another person id' },
  MYEGOV_ACCOUNT_REQUIRED: { rule: '要點 五(一)', example: 'the holder must have a MyEGov government account' },
  NO_BLI_NOTICE_DUE: { rule: '要點 七', example: 'no BLI notice is due for personnel change 3' },
  NO_HANDOVER_PENDING: { rule: '要點 六(四)', example: 'no administrator post change awaits a handover' },
  ONE_ACCOUNT_PER_PERSON: { rule: '要點 六(一)', example: 'this person already holds a USER account at this agency' },
  PERSON_ALREADY_ERASED: { rule: '要點 十一', example: 'the person was erased on 2031-01-10' },
  PERSONNEL_UNCHANGED: { rule: '要點 七', example: 'CONTACT_WINDOW is already held by this person' },
  POST_CHANGE_PENDING: { rule: '要點 六(五)', example: 'an earlier post change has not been acted on yet' },
  QUERY_ITEM_CLOSED: { rule: '要點 五(二)', example: 'the query item is REFUSED' },
  QUERY_ITEM_JUSTIFICATION_REQUIRED: { rule: '要點 四', example: 'legal basis, business scope and purpose are all required' },
  QUERY_ITEM_STEP_OUT_OF_ORDER: { rule: '要點 五(二)', example: 'SubmitQueryItemToBli is not allowed while APPLIED' },
  QUERY_ITEMS_NOT_GRANTED_TO_AGENCY: { rule: '要點 四', example: 'query items must be among those granted to the agency' },
  QUERY_ITEMS_NOT_HELD: { rule: '要點 四', example: 'the account does not hold these query items' },
  QUERY_ITEMS_USER_ACCOUNTS_ONLY: { rule: '要點 五(二)', example: 'query items are granted to user accounts' },
  RETENTION_DUTY_RUNNING: { rule: '要點 五(三)、六(六)、九(二)、十一(三)、十二(十一)', example: 'records about this person must be kept until 2030-07-01; give a legal override to erase earlier' },
  TRAINEE_NOT_DEDICATED_STAFF: { rule: '要點 十(二)', example: "training is recorded for the agency's current dedicated staff" },
} as const satisfies Record<string, { rule: string; example: string }>;

export type RefusalCode = keyof typeof REFUSALS;
