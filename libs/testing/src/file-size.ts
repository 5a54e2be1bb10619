import { statSync } from 'node:fs';

/**
 * A file's size once it exceeds `atLeast`, or as it is when `ms` have passed: for what another
 * thread or process writes in its own time (a WAL checkpoint copying pages into a database file).
 */
export async function fileSizeOnceAbove(file: string, atLeast: number, ms: number): Promise<number> {
  const until = Date.now() + ms;
  let size = statSync(file).size;
  while (size <= atLeast && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 25));
    size = statSync(file).size;
  }
  return size;
}
