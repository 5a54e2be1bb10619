import { givenFor } from '../../testing/given-when-then';
import { ErasePerson, erasureDecider, ErasureEvent, retentionUntil } from './erasure.decider';

const given = givenFor(erasureDecider);
const erase = (over: Partial<ErasePerson> = {}): ErasePerson => ({
  type: 'ErasePerson',
  personId: 'person_0123456789abcdef0123456789abcdef',
  reason: '個人資料保護法第11條第3項: 特定目的消失',
  lastRecordAt: '2019-06-30T16:30:00.000Z', // 2019-07-01 in Taipei
  accounts: 1,
  ...over,
});
// TEST_CONTEXT.now is 2025-07-01T02:00Z (2025-07-01 in Taipei).

describe('erasure (要點 十一, retention 要點 五(三)、六(六)、九(二)、十一(三)、十二(十一))', () => {
  it('five years run from the Taipei day of the last record, to the same calendar day', () => {
    expect(retentionUntil('2019-06-30T16:30:00.000Z')).toBe('2024-07-01');
    expect(retentionUntil('2020-02-29T04:00:00.000Z')).toBe('2025-02-28');
    expect(retentionUntil(null)).toBeNull();
  });

  it('given records older than five years, when erased, then PersonErased with the duty checked', () =>
    given([]).when(erase()).then([
      {
        type: 'PersonErased',
        data: { personId: erase().personId, reason: erase().reason, legalOverride: null, retentionUntil: '2024-07-01', accounts: 1, erasedOn: '2025-07-01' },
      },
    ]));

  it('given a record within five years, when erased without override, then RETENTION_DUTY_RUNNING', () =>
    given([]).when(erase({ lastRecordAt: '2021-01-05T01:00:00.000Z' })).thenThrows('RETENTION_DUTY_RUNNING', '要點 五(三)、六(六)、九(二)、十一(三)、十二(十一)'));

  it('the last day of the duty still refuses', () => given([]).when(erase({ lastRecordAt: '2020-07-01T01:00:00.000Z' })).thenThrows('RETENTION_DUTY_RUNNING'));

  it('given a record within five years, when erased with a legal override, then the override is recorded', () => {
    const [event] = erasureDecider.decide(erase({ lastRecordAt: '2025-01-05T01:00:00.000Z', legalOverride: '臺北地方法院114年度訴字第1號判決' }), { status: 'NONE' }, {
      now: new Date('2025-07-01T02:00:00Z'),
      occurredAt: new Date('2025-07-01T02:00:00Z'),
      actor: 'admin',
    });
    expect(event.data).toMatchObject({ legalOverride: '臺北地方法院114年度訴字第1號判決', retentionUntil: '2030-01-05' });
  });

  it('given an erased person, when erased again, then PERSON_ALREADY_ERASED', () => {
    const done: ErasureEvent = { type: 'PersonErased', data: { personId: 'p', reason: 'r', legalOverride: null, retentionUntil: null, accounts: 0, erasedOn: '2025-06-01' } };
    given([done]).when(erase()).thenThrows('PERSON_ALREADY_ERASED', '要點 十一');
  });

  it('a reason is required', () => given([]).when(erase({ reason: ' ' })).thenThrows('VALIDATION_FAILED'));
});
