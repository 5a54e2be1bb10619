import { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { loadConfig } from '@ledger/platform';
import { createApp } from '../../apps/ledger-api/src/bootstrap';

export const ADMIN_KEY = 'test-admin-key-0123456789';

/** The real app on a fresh embedded store in a temp dir, with a known admin key. */
export async function startTestApp(env: Record<string, string> = {}, options: { dataDir?: string; keepData?: boolean; clock?: () => Date } = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ledger-e2e-'));
  // The projections in the app's own event loop unless a test asks otherwise: the service's default
  // on two cores (a projector thread) has its own e2e (projector-thread.e2e-spec.ts), and a thread per
  // test app would start a second copy of the code for every file.
  const config = loadConfig({ LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_API_KEY: ADMIN_KEY, LEDGER_PROJECTIONS: 'run', ...env });
  const app: INestApplication = await createApp({ config, clock: options.clock }, false);
  await app.init();
  const http = () => request(app.getHttpServer());
  return {
    app,
    dataDir,
    http,
    async close() {
      await app.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
