import { ValidationError } from '../../core/domain-error';
import type { DetectionInput } from './anomaly.types';
import { DEFAULT_DETECTOR_CONFIG, detectorConfigFrom, DetectorConfig, detectorVersions } from './detector-config';
import { detectQuery, taipeiClock, unregisteredQuery } from './detectors';
import { parseHolidayCalendar } from './holiday-calendar';

const HOLDER = 'person_holder';
const SUBJECT = 'person_subject';

/** An ordinary query: a Wednesday morning in Taipei, an assigned case, a stranger, an item the account holds. */
type Overrides = { [K in 'query' | 'account' | 'subject' | 'activity']?: Partial<DetectionInput[K]> } & Partial<Pick<DetectionInput, 'assignedToCase' | 'serviceStatus'>>;
const given = (overrides: Overrides = {}): DetectionInput => ({
  query: { agencyCode: 'SWD', accountId: 'SWD.USER.ab', operationCode: 'LI_ENROLMENT', queriedAt: '2025-03-05T02:00:00.000Z', caseNumber: '114社救字第1號', subjectPersonId: SUBJECT, ...overrides.query },
  account: { status: 'ACTIVE', holderPersonId: HOLDER, queryItems: ['LI_ENROLMENT'], ...overrides.account },
  subject: { holdsAccountInAgency: false, designatedInAgency: false, declaredRelation: null, ...overrides.subject },
  activity: { queriesThisHour: 1, queriesThisDay: 1, earlierAboutSubject: [], ...overrides.activity },
  assignedToCase: overrides.assignedToCase ?? false,
  serviceStatus: overrides.serviceStatus ?? 'ACTIVE',
});
const when = (input: DetectionInput, config: DetectorConfig = DEFAULT_DETECTOR_CONFIG) => detectQuery(input, config);
const kinds = (input: DetectionInput, config?: DetectorConfig) => when(input, config).map((f) => f.kind + (f.variant ? `:${f.variant}` : ''));

describe('政風 detectors (要點 八、九)', () => {
  it('an ordinary query raises nothing', () => expect(kinds(given())).toEqual([]));

  describe('SELF_QUERY (要點 八 查詢己身)', () => {
    it('given the subject is the holder, then SELF_QUERY at HIGH, and not also COLLEAGUE_QUERY', () => {
      const [f, ...rest] = when(given({ query: { subjectPersonId: HOLDER }, subject: { holdsAccountInAgency: true } }));
      expect(rest).toEqual([]);
      expect(f).toMatchObject({ kind: 'SELF_QUERY', severity: 'HIGH', qualifiers: [] });
    });
    it('要點 八 「非依機關分案規定」: under an assigned case it is qualified, not a verdict (LOW, UNDER_CASE_ASSIGNMENT)', () =>
      expect(when(given({ query: { subjectPersonId: HOLDER }, assignedToCase: true }))).toEqual([
        expect.objectContaining({ kind: 'SELF_QUERY', severity: 'LOW', qualifiers: ['UNDER_CASE_ASSIGNMENT'] }),
      ]));
    it('configured SUPPRESS: under an assigned case it is not raised', () =>
      expect(kinds(given({ query: { subjectPersonId: HOLDER }, assignedToCase: true }), detectorConfigFrom({ SELF_QUERY: { underCaseAssignment: 'SUPPRESS' } }))).toEqual([]));
  });

  describe('COLLEAGUE_QUERY (要點 八 同僚)', () => {
    it('given the subject holds an account at the agency at that time, then COLLEAGUE_QUERY', () =>
      expect(kinds(given({ subject: { holdsAccountInAgency: true } }))).toEqual(['COLLEAGUE_QUERY']));
    it('given the subject is designated personnel of the agency, then COLLEAGUE_QUERY (unless configured off)', () => {
      expect(kinds(given({ subject: { designatedInAgency: true } }))).toEqual(['COLLEAGUE_QUERY']);
      expect(kinds(given({ subject: { designatedInAgency: true } }), detectorConfigFrom({ COLLEAGUE_QUERY: { includeDesignatedPersonnel: false } }))).toEqual([]);
    });
    it('要點 八: under the agency’s case assignment it is lawful and, by default, not raised', () =>
      expect(kinds(given({ subject: { holdsAccountInAgency: true }, assignedToCase: true }))).toEqual([]));
  });

  describe('DECLARED_RELATION (要點 八 親屬、主管)', () => {
    it('given the subject is on 政風’s relations list of the holder, then DECLARED_RELATION with the relation', () =>
      expect(when(given({ subject: { declaredRelation: 'RELATIVE' } }))).toEqual([
        expect.objectContaining({ kind: 'DECLARED_RELATION', severity: 'HIGH', detail: expect.objectContaining({ relation: 'RELATIVE' }) }),
      ]));
  });

  describe('OFF_HOURS (要點 八)', () => {
    it('judges Asia/Taipei wall-clock time: 19:00 Taipei on a Wednesday is off hours, 18:59 is not', () => {
      expect(kinds(given({ query: { queriedAt: '2025-03-05T11:00:00.000Z' } }))).toEqual(['OFF_HOURS']);
      expect(kinds(given({ query: { queriedAt: '2025-03-05T10:59:00.000Z' } }))).toEqual([]);
      // 07:29 Taipei is 23:29 UTC of the day before.
      expect(kinds(given({ query: { queriedAt: '2025-03-04T23:29:00.000Z' } }))).toEqual(['OFF_HOURS']);
    });
    it('a Saturday is off hours, unless the calendar file makes it a working day; a listed holiday is off hours', () => {
      const saturday = given({ query: { queriedAt: '2025-02-08T02:00:00.000Z' } });
      expect(kinds(saturday)).toEqual(['OFF_HOURS']);
      const calendar = parseHolidayCalendar('# example only\n2025-02-08 WORKDAY 補行上班\n2025-03-05 HOLIDAY 測試假日\n');
      const config = detectorConfigFrom({}, calendar);
      expect(kinds(saturday, config)).toEqual([]);
      expect(kinds(given(), config)).toEqual(['OFF_HOURS']);
    });
    it('one anomaly per account and Taipei day: the group names the day', () =>
      expect(when(given({ query: { queriedAt: '2025-03-05T15:30:00.000Z' } }))[0].group).toBe('OFF_HOURS|SWD.USER.ab|2025-03-05'));
  });

  describe('BULK (要點 八)', () => {
    it('given more queries in the hour than the threshold, then BULK per hour; more in the day, BULK per day', () => {
      expect(kinds(given({ activity: { queriesThisHour: 60, queriesThisDay: 60 } }))).toEqual([]);
      expect(kinds(given({ activity: { queriesThisHour: 61, queriesThisDay: 61 } }))).toEqual(['BULK:HOUR']);
      expect(kinds(given({ activity: { queriesThisHour: 10, queriesThisDay: 301 } }))).toEqual(['BULK:DAY']);
      expect(kinds(given({ activity: { queriesThisHour: 5, queriesThisDay: 5 } }), detectorConfigFrom({ BULK: { perHour: 4 } }))).toEqual(['BULK:HOUR']);
    });
  });

  describe('REPEATED_SUBJECT (要點 八)', () => {
    const earlier = (caseNumber: string | null, assigned = false, queriedAt = '2025-03-01T02:00:00.000Z') => ({ queriedAt, caseNumber, assigned });
    it('given the same subject under three case numbers not assigned to the account within 30 days, then REPEATED_SUBJECT', () => {
      expect(kinds(given({ activity: { earlierAboutSubject: [earlier('A'), earlier('B')] } }))).toEqual(['REPEATED_SUBJECT']);
      expect(kinds(given({ activity: { earlierAboutSubject: [earlier('A')] } }))).toEqual([]);
    });
    it('要點 八: assigned cases are the agency’s own work and do not count; nor do queries before the window', () => {
      expect(kinds(given({ activity: { earlierAboutSubject: [earlier('A', true), earlier('B')] } }))).toEqual([]);
      expect(kinds(given({ assignedToCase: true, activity: { earlierAboutSubject: [earlier('A'), earlier('B')] } }))).toEqual([]);
      expect(kinds(given({ activity: { earlierAboutSubject: [earlier('A', false, '2025-01-01T02:00:00.000Z'), earlier('B')] } }))).toEqual([]);
    });
    it('given the third query without a case number within the window, then REPEATED_SUBJECT', () => {
      const noCase = given({ query: { caseNumber: null }, activity: { earlierAboutSubject: [earlier(null), earlier(null)] } });
      expect(kinds(noCase)).toEqual(['REPEATED_SUBJECT']);
    });
  });

  describe('QUERY_WHILE_INACTIVE (要點 六) and ITEM_NOT_GRANTED (要點 九(三))', () => {
    it('given the account disabled, deleted or not yet created at the query time, then QUERY_WHILE_INACTIVE only', () => {
      for (const status of ['DISABLED', 'DELETED', 'NONE'] as const) {
        expect(kinds(given({ account: { status, queryItems: [] } }))).toEqual(['QUERY_WHILE_INACTIVE']);
      }
    });
    it('given an operation code the account did not hold then, then ITEM_NOT_GRANTED', () =>
      expect(kinds(given({ query: { operationCode: 'LI_SALARY' } }))).toEqual(['ITEM_NOT_GRANTED']));
  });

  it('QUERY_DURING_SUSPENSION (要點 十二(六)): given BLI suspended or terminated the service to the agency, then every query then is flagged', () => {
    expect(kinds(given({ serviceStatus: 'SUSPENDED' }))).toEqual(['QUERY_DURING_SUSPENSION']);
    expect(when(given({ serviceStatus: 'TERMINATED' }))[0]).toMatchObject({ severity: 'HIGH', detail: { serviceStatus: 'TERMINATED' } });
  });

  it('UNREGISTERED_QUERY (要點 九(一)) comes from the reconciliation: one flag per logged query it names', () =>
    expect(unregisteredQuery({ accountId: 'SWD.USER.ab', queriedAt: '2025-03-05T02:00:00.000Z', operationCode: 'LI_ENROLMENT' }, DEFAULT_DETECTOR_CONFIG, 'SWD.ab12.7')).toMatchObject({
      kind: 'UNREGISTERED_QUERY', severity: 'HIGH', group: 'UNREGISTERED_QUERY|SWD.ab12.7',
    }));

  it('a disabled rule raises nothing', () =>
    expect(kinds(given({ query: { subjectPersonId: HOLDER } }), detectorConfigFrom({ SELF_QUERY: { enabled: false } }))).toEqual([]));
});

describe('detector settings and versions', () => {
  it('each rule’s version changes with its own settings only', () => {
    const base = detectorVersions(DEFAULT_DETECTOR_CONFIG);
    const tuned = detectorVersions(detectorConfigFrom({ BULK: { perHour: 100 } }));
    expect(tuned.BULK).not.toBe(base.BULK);
    expect({ ...tuned, BULK: base.BULK }).toEqual(base);
    expect(base.BULK).toMatch(/^1\.[0-9a-f]{8}$/);
    expect(detectorVersions(detectorConfigFrom({}, parseHolidayCalendar('2025-01-01 HOLIDAY')))).not.toEqual(base);
  });

  it('a bad setting is refused naming its key path; an unknown kind or key too', () => {
    const field = (json: unknown) => {
      try {
        detectorConfigFrom(json);
      } catch (error) {
        return (error as ValidationError).field;
      }
      return 'accepted';
    };
    expect(field({ BULK: { perHour: 0 } })).toBe('BULK.perHour');
    expect(field({ BULK: { perHours: 5 } })).toBe('BULK.perHours');
    expect(field({ NOPE: {} })).toBe('NOPE');
    expect(field({ OFF_HOURS: { officeHours: { start: '19:00', end: '08:00' } } })).toBe('OFF_HOURS.officeHours');
    expect(field({ OFF_HOURS: { workingDays: [0] } })).toBe('OFF_HOURS.workingDays');
    expect(field({ SELF_QUERY: { severity: 'CRITICAL' } })).toBe('SELF_QUERY.severity');
    expect(field([])).toBe('detectors');
  });

  it('要點 八: REPEATED_SUBJECT set to 1 flags the first query about a subject, with or without a case number; the default does not', () => {
    const once = { REPEATED_SUBJECT: { distinctCases: 1, withoutCase: 1 } };
    expect(kinds(given(), detectorConfigFrom(once))).toEqual(['REPEATED_SUBJECT']);
    expect(kinds(given({ query: { caseNumber: null } }), detectorConfigFrom(once))).toEqual(['REPEATED_SUBJECT']);
    // An assigned case is the agency's own work: it never counts.
    expect(kinds(given({ assignedToCase: true }), detectorConfigFrom(once))).toEqual([]);
    expect(kinds(given({ query: { caseNumber: null } }))).toEqual([]);
  });

  it('the Taipei clock of an instant is the one its Date gives, across days, years and before 1970', () => {
    const instants = ['2025-03-05T15:59:59.999Z', '2025-03-05T16:00:00.000Z', '2024-02-28T16:30:00.000Z', '2024-12-31T16:00:00.000Z', '1969-12-31T15:59:00.000Z', '1960-06-01T23:00:00+08:00'];
    for (let t = Date.parse('2024-12-25T00:00:00Z'); t < Date.parse('2025-01-10T00:00:00Z'); t += 3_607_000) instants.push(new Date(t).toISOString());
    for (const instant of instants) {
      const local = new Date(Date.parse(instant) + 8 * 3_600_000);
      const iso = local.toISOString();
      expect([instant, taipeiClock(instant)]).toEqual([instant, { day: iso.slice(0, 10), hhmm: iso.slice(11, 16), hour: local.getUTCHours(), weekday: local.getUTCDay() || 7 }]);
    }
    expect(() => taipeiClock('not a time')).toThrow(RangeError);
  });

  it('the calendar file refuses a bad line with its number', () => {
    expect(() => parseHolidayCalendar('# ok\n2025-02-30 HOLIDAY')).toThrow('line 2');
    expect(() => parseHolidayCalendar('2025-01-01 FEAST')).toThrow('line 1');
    expect(() => parseHolidayCalendar('2025-01-01 HOLIDAY\n2025-01-01 WORKDAY')).toThrow('line 2');
  });
});
