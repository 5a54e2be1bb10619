import { StreamStates, type FoldedStream } from './stream-states';

const decider = {};
const entry = (revision: number, commandIds: Set<string>): FoldedStream<object> => ({
  decider,
  revision,
  position: BigInt(revision),
  state: {},
  began: { type: 'AgencyRegistered', data: {}, metadata: { occurredAt: '2025-01-01T00:00:00.000Z' } },
  commandIds,
});

describe('StreamStates: the folded streams the command processor keeps', () => {
  it('given streams whose command-id sets grow in place as they are folded again, when together they pass the bound, then what they hold is counted and the least recently used goes', () => {
    // At most 24 ids in all, and 6 (a quarter) in any one stream.
    const states = new StreamStates(10, 24);
    states.set('other', entry(0, new Set(['x'])));
    for (const stream of ['A', 'B', 'C', 'D']) {
      const ids = new Set([`${stream}0`]);
      states.set(stream, entry(0, ids));
      // The processor adds the new events' ids to the same set and replaces the entry.
      for (let revision = 1; revision < 6; revision++) {
        ids.add(`${stream}${revision}`);
        states.set(stream, entry(revision, ids));
      }
    }
    // 1 + 4 × 6 = 25 ids pass the bound of 24: the least recently used stream goes.
    expect(states.get('other', decider)).toBeUndefined();
    expect(states.commandIdsHeld).toBe(24);
    expect(['A', 'B', 'C', 'D'].map((stream) => states.get(stream, decider)?.revision)).toEqual([5, 5, 5, 5]);
  });

  it('given a later revision already held, when an older fold arrives, then the later one stays', () => {
    const states = new StreamStates();
    states.set('s', entry(5, new Set(['a'])));
    states.set('s', entry(3, new Set(['b'])));
    expect(states.get('s', decider)?.revision).toBe(5);
    expect(states.get('s', {})).toBeUndefined();
  });
});
