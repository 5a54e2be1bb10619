import type { EventStore, RecordedEvent, SubscribeToAllOptions, SubscriptionHandle } from './types';

export interface CatchUpSource {
  readAll: EventStore['readAll'];
  /** Global position of the newest event, or undefined when the store is empty. */
  headPosition(): Promise<bigint | undefined>;
  /** Registers a wake-up for new appends; returns an unregister function. */
  onAppended(listener: () => void): () => void;
}

export interface CatchUpTuning {
  pageSize?: number;
  /** Idle poll, for appends made by another process that cannot wake us. */
  pollIntervalMs?: number;
}

/**
 * A catch-up subscription that hands over to live events without gaps or duplicates: it only ever
 * reads "position > last delivered" from the store, so catch-up and live are the same loop; the
 * wake-up only shortens the wait. It starts after `after`; a subscriber that resumes after a
 * restart passes the position it stored with its own writes.
 */
export function catchUpSubscription(
  source: CatchUpSource,
  options: SubscribeToAllOptions,
  tuning: CatchUpTuning = {},
): SubscriptionHandle {
  const pageSize = tuning.pageSize ?? 500;
  const pollIntervalMs = tuning.pollIntervalMs ?? 250;
  let last: bigint | undefined = options.after;
  let stopped = false;
  let wake: (() => void) | undefined;
  const waiters: { target: bigint; resolve: () => void }[] = [];

  const unregister = source.onAppended(() => wake?.());

  const settleWaiters = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (last !== undefined && last >= waiters[i].target) {
        waiters[i].resolve();
        waiters.splice(i, 1);
      }
    }
  };

  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollIntervalMs);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const loop = (async () => {
    while (!stopped) {
      const page: RecordedEvent[] = await source.readAll({ after: last, maxCount: pageSize });
      for (const event of page) {
        if (stopped) break;
        await options.handler(event);
        last = event.position;
      }
      settleWaiters();
      if (page.length < pageSize && !stopped) await sleep();
    }
  })().catch((error) => {
    stopped = true;
    options.onError?.(error);
  });

  return {
    get lastPosition() {
      return last;
    },
    async caughtUp() {
      const head = await source.headPosition();
      if (head === undefined || (last !== undefined && last >= head)) return;
      await new Promise<void>((resolve) => {
        waiters.push({ target: head, resolve });
        wake?.();
      });
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      unregister();
      for (const waiter of waiters.splice(0)) waiter.resolve();
    },
  };
}
