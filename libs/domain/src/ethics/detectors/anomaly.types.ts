/**
 * The 政風 detectors' own narrow view of the ledger (要點 八、九、十二(二)): what one logged query and
 * its surroundings look like to a rule, whatever events they were read from. The projection fills
 * these in; the rules never see an event, a store or a national ID.
 */

export const ANOMALY_KINDS = [
  'SELF_QUERY',
  'COLLEAGUE_QUERY',
  'DECLARED_RELATION',
  'OFF_HOURS',
  'BULK',
  'REPEATED_SUBJECT',
  'UNREGISTERED_QUERY',
  'QUERY_WHILE_INACTIVE',
  'ITEM_NOT_GRANTED',
  'QUERY_DURING_SUSPENSION',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The 要點 point each kind flags a possible breach of. */
export const ANOMALY_RULES: Readonly<Record<AnomalyKind, string>> = {
  SELF_QUERY: '要點 八',
  COLLEAGUE_QUERY: '要點 八',
  DECLARED_RELATION: '要點 八',
  OFF_HOURS: '要點 八',
  BULK: '要點 八',
  REPEATED_SUBJECT: '要點 八',
  UNREGISTERED_QUERY: '要點 九(一)',
  QUERY_WHILE_INACTIVE: '要點 六',
  ITEM_NOT_GRANTED: '要點 九(三)',
  QUERY_DURING_SUSPENSION: '要點 十二(六)',
};

export const ANOMALY_TITLES: Readonly<Record<AnomalyKind, string>> = {
  SELF_QUERY: '查詢己身資料',
  COLLEAGUE_QUERY: '查詢同僚資料',
  DECLARED_RELATION: '查詢政風登錄之親屬或主管資料',
  OFF_HOURS: '非上班時間查詢',
  BULK: '短時間大量查詢',
  REPEATED_SUBJECT: '同一對象重複查詢',
  UNREGISTERED_QUERY: '查詢未填登記表',
  QUERY_WHILE_INACTIVE: '帳號停用或刪除後之查詢',
  ITEM_NOT_GRANTED: '查詢未授權之查調項目',
  QUERY_DURING_SUSPENSION: '勞保局暫停或終止服務期間之查詢',
};

/** One logged query, as WebIR's log recorded it. */
export interface ObservedQuery {
  agencyCode: string;
  accountId: string;
  operationCode: string;
  /** UTC instant. */
  queriedAt: string;
  /** 案號; null when the log line has none. */
  caseNumber: string | null;
  /** The vault's random person id of the subject. */
  subjectPersonId: string;
}

/** The querying account as it stood at the query time (business time). */
export interface AccountAtQueryTime {
  status: 'NONE' | 'ACTIVE' | 'DISABLED' | 'DELETED';
  holderPersonId: string | null;
  queryItems: readonly string[];
}

/** Who the subject is, at the query time, to the agency and to the querying account's holder. */
export interface SubjectAtQueryTime {
  /** The subject holds (or held then) an account at the query's agency. */
  holdsAccountInAgency: boolean;
  /** The subject was designated personnel (窗口, 專責人員, 主管) of the query's agency then. */
  designatedInAgency: boolean;
  /** The relation 政風 declared between the holder and the subject; null when none. */
  declaredRelation: string | null;
}

/** An earlier query by the same account about the same subject. */
export interface EarlierQuery {
  queriedAt: string;
  caseNumber: string | null;
  /** Whether that case was assigned to the account then. */
  assigned: boolean;
}

export interface AccountActivity {
  /** Queries by the account in the query's Taipei clock hour and Taipei day, this one included. */
  queriesThisHour: number;
  queriesThisDay: number;
  /** Earlier queries by the account about the subject within REPEATED_SUBJECT's window, oldest first. */
  earlierAboutSubject: readonly EarlierQuery[];
}

export interface DetectionInput {
  query: ObservedQuery;
  account: AccountAtQueryTime;
  subject: SubjectAtQueryTime;
  activity: AccountActivity;
  /** 要點 八 「非依機關分案規定」: the agency's case system had assigned this case to the account at the query time. */
  assignedToCase: boolean;
  /** 要點 十二(六): whether BLI's service to the agency was suspended or terminated at the query time. */
  serviceStatus: 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';
}

/**
 * What a rule raises. `group` says which open anomaly further evidence joins (the same account and
 * subject, the same hour); it is internal to the read model and may name a person id.
 */
export interface Finding {
  kind: AnomalyKind;
  severity: Severity;
  group: string;
  /** The variant of a kind raised more than once from one query (BULK per hour and per day). */
  variant?: string;
  /** UNDER_CASE_ASSIGNMENT: raised although the case was assigned (qualified, not suppressed). */
  qualifiers: string[];
  /** Facts that explain the flag; never personal data. */
  detail: Record<string, string | number | boolean | null>;
}
