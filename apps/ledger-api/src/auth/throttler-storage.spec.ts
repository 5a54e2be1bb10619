import { ThrottlerStorageService } from '@nestjs/throttler';
import { LedgerThrottlerStorage } from './rate-limit';

/** A tiny seeded generator, so a failing sequence can be replayed. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('LedgerThrottlerStorage: the throttler library storage, at a constant cost per request', () => {
  let now = 1_700_000_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it.each([1, 2, 3, 4])('answers exactly as the library storage over a random sequence of requests (seed %i)', async (seed) => {
    const next = random(seed);
    const library = new ThrottlerStorageService();
    const ours = new LedgerThrottlerStorage();
    const throttlers = [
      { name: 'anonymous', ttl: 60_000, limit: 5, blockDuration: 60_000 },
      { name: 'key', ttl: 2_000, limit: 20, blockDuration: 2_000 },
      { name: 'burst', ttl: 1_000, limit: 3, blockDuration: 0 },
    ];
    let blocked = 0;
    for (let i = 0; i < 3_000; i++) {
      now += Math.floor(next() * (next() < 0.05 ? 30_000 : 120));
      const t = throttlers[Math.floor(next() * throttlers.length)];
      const key = `${t.name}:source-${Math.floor(next() * 3)}`;
      const expected = await library.increment(key, t.ttl, t.limit, t.blockDuration, t.name);
      const actual = await ours.increment(key, t.ttl, t.limit, t.blockDuration, t.name);
      expect({ i, ...actual }).toEqual({ i, ...expected });
      if (actual.isBlocked) blocked++;
    }
    // The sequences must reach the interesting states, else the comparison proves little.
    expect(blocked).toBeGreaterThan(100);
    library.onApplicationShutdown();
    ours.onApplicationShutdown();
  });

  it('blocks past the limit for the block duration, then counts afresh', async () => {
    const storage = new LedgerThrottlerStorage();
    for (let i = 1; i <= 3; i++) expect(await storage.increment('k', 60_000, 3, 10_000, 'n')).toMatchObject({ totalHits: i, isBlocked: false });
    expect(await storage.increment('k', 60_000, 3, 10_000, 'n')).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 10 });
    now += 10_000;
    expect(await storage.increment('k', 60_000, 3, 10_000, 'n')).toMatchObject({ totalHits: 1, isBlocked: false });
    storage.onApplicationShutdown();
  });

  it('counts a sliding minute right in a bucket holding tens of thousands of hits (the head is dropped in chunks)', async () => {
    const storage = new LedgerThrottlerStorage();
    for (let i = 0; i < 50_000; i++) {
      now += 1;
      await storage.increment('busy', 60_000, 100_000, 60_000, 'key');
    }
    for (let i = 0; i < 200_000; i++) {
      now += 1;
      await storage.increment('busy', 60_000, 1_000_000, 60_000, 'key');
    }
    // Hits of the last 60,000 ms (one per ms), and this one.
    expect((await storage.increment('busy', 60_000, 1_000_000, 60_000, 'key')).totalHits).toBe(60_001);
    storage.onApplicationShutdown();
  });

  it('forgets buckets with nothing left to count', async () => {
    const storage = new LedgerThrottlerStorage();
    await storage.increment('a', 1_000, 5, 1_000, 'n');
    now += 5_000;
    storage.evictIdle(now);
    // A fresh bucket: counting starts again from one.
    expect(await storage.increment('a', 1_000, 5, 1_000, 'n')).toMatchObject({ totalHits: 1, timeToExpire: 1 });
    storage.onApplicationShutdown();
  });
});
