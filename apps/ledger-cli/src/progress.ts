import { SingleBar, Presets } from 'cli-progress';

export interface Progress {
  done: number;
  total: number;
}

/**
 * Runs `work` while polling `sample` for a progress bar on stderr. The bar draws only on a
 * terminal, so piped output and tests see the plain result lines alone.
 */
export async function withProgress<T>(label: string, sample: () => Promise<Progress>, work: () => Promise<T>, everyMs = 250): Promise<T> {
  if (!process.stderr.isTTY) return work();
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total}`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  bar.start(1, 0);
  const tick = async () => {
    const { done, total } = await sample().catch(() => ({ done: 0, total: 0 }));
    bar.setTotal(Math.max(total, 1));
    bar.update(Math.min(done, Math.max(total, 1)));
  };
  const timer = setInterval(() => void tick(), everyMs);
  try {
    const result = await work();
    await tick();
    return result;
  } finally {
    clearInterval(timer);
    bar.stop();
  }
}
