import { existsSync } from 'node:fs';
/**
 * Where a real EventStoreDB or MongoDB can be had for a contract suite: a URL from the
 * environment, else a testcontainers container when a container runtime answers, else a reason
 * to skip that is printed once — never a mock standing in for the server.
 */
export type ExternalStore =
  | { available: true; url: string; source: 'env' | 'testcontainers'; stop: () => Promise<void> }
  | { available: false; reason: string };

const printed = new Set<string>();

/** One line per store per test file saying why its cases were skipped. */
export function announceSkip(store: string, reason: string): void {
  const key = `${store}:${reason}`;
  if (printed.has(key)) return;
  printed.add(key);
  // Written straight to stderr so it reads as one line, not a console.warn block with a stack.
  process.stderr.write(`[contract] SKIPPED ${store} cases: ${reason}\n`);
}

async function containerRuntimeAnswers(): Promise<string | undefined> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await withTimeout(getContainerRuntimeClient(), 10_000, 'container runtime probe');
    return undefined;
  } catch (error) {
    return `no container runtime answers (${String((error as Error).message ?? error).split('\n')[0]})`;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]);
}

export const EVENTSTORE_IMAGE = 'docker.eventstore.com/eventstore/eventstore:24.10.6';
export const MONGODB_IMAGE = 'mongo:7.0.14';

export async function eventStoreDb(): Promise<ExternalStore> {
  if (process.env.EVENTSTORE_URL) {
    return { available: true, url: process.env.EVENTSTORE_URL, source: 'env', stop: async () => undefined };
  }
  const noRuntime = await containerRuntimeAnswers();
  if (noRuntime) return { available: false, reason: `EVENTSTORE_URL is not set and ${noRuntime}` };
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(EVENTSTORE_IMAGE)
    .withEnvironment({
      EVENTSTORE_INSECURE: 'true',
      EVENTSTORE_RUN_PROJECTIONS: 'All',
      EVENTSTORE_MEM_DB: 'true',
    })
    .withExposedPorts(2113)
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCode(204))
    .start();
  const url = `kurrentdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
  return { available: true, url, source: 'testcontainers', stop: async () => void (await container.stop()) };
}

export async function mongoDb(): Promise<ExternalStore> {
  if (process.env.MONGODB_URL) {
    return { available: true, url: process.env.MONGODB_URL, source: 'env', stop: async () => undefined };
  }
  const noRuntime = await containerRuntimeAnswers();
  if (noRuntime) return { available: false, reason: `MONGODB_URL is not set and ${noRuntime}` };
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(MONGODB_IMAGE)
    .withExposedPorts(27017)
    .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
    .start();
  const url = `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/?directConnection=true`;
  return { available: true, url, source: 'testcontainers', stop: async () => void (await container.stop()) };
}

/**
 * jest has no top-level await in CommonJS, so whether a server's cases run is decided
 * synchronously at load: a URL in the environment, or something that looks like a container
 * runtime. Without either the cases are announced once and reported as skipped (never passed);
 * with one, the suite's beforeAll must fail loudly if the server still cannot be had.
 */
export function describeWithServer(store: 'EventStoreDB' | 'MongoDB'): jest.Describe {
  const urlVariable = store === 'EventStoreDB' ? 'EVENTSTORE_URL' : 'MONGODB_URL';
  const runtime = Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
  if (process.env[urlVariable] || runtime) return describe;
  announceSkip(store, `${urlVariable} is not set and no container runtime looks present (no /var/run/docker.sock, DOCKER_HOST unset)`);
  return describe.skip;
}
