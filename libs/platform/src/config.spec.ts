import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { ConfigError, defaultProjectionRole, loadConfig } from './config';

const key = () => randomBytes(32).toString('base64');
const keys = { LEDGER_HMAC_KEY: key(), LEDGER_MASTER_KEY: key() };

function refusal(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`configuration ${JSON.stringify(Object.keys(env))} was accepted`);
}

describe('loadConfig: every variable has a rule, and a bad value names its variable', () => {
  it('defaults when nothing is set', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      eventStoreTimeoutMs: 10_000,
      sqliteSynchronous: 'FULL',
      sqliteBusyTimeoutMs: 5000,
      mongodbServerSelectionTimeoutMs: 3000,
      deadlines: { bliNoticeDays: 7, accessReviewMonths: 12, usageReviewMonths: 12, trainingMonths: 12 },
    });
  });

  it('reads good values and converts them', () => {
    const hmac = key();
    const master = key();
    const config = loadConfig({
      PORT: '8080',
      LEDGER_DATA_DIR: '/srv/ledger',
      LEDGER_SQLITE_SYNCHRONOUS: 'normal',
      LEDGER_SQLITE_BUSY_TIMEOUT_MS: '250',
      EVENTSTORE_URL: 'kurrentdb://db:2113?tls=false',
      EVENTSTORE_TIMEOUT_MS: '2500',
      LEDGER_HMAC_KEY: hmac,
      LEDGER_MASTER_KEY: master,
      MONGODB_URL: 'mongodb://db:27017',
      LEDGER_DEADLINE_TRAINING_MONTHS: '6',
    });
    expect(config).toMatchObject({
      port: 8080,
      dataDir: '/srv/ledger',
      sqliteSynchronous: 'NORMAL',
      sqliteBusyTimeoutMs: 250,
      eventStoreUrl: 'kurrentdb://db:2113?tls=false',
      eventStoreTimeoutMs: 2500,
      mongodbUrl: 'mongodb://db:27017',
      deadlines: { trainingMonths: 6 },
    });
    expect(JSON.stringify(config)).not.toContain(hmac);
  });

  it('a refusal over the keyless budget is held 250 ms by default; 0 answers at once', () => {
    expect(loadConfig({}).rateLimits?.refusalDelayMs).toBe(250);
    expect(loadConfig({ LEDGER_RATE_LIMIT_REFUSAL_DELAY_MS: '0' }).rateLimits?.refusalDelayMs).toBe(0);
  });

  it('an empty variable means its default', () => {
    expect(loadConfig({ PORT: '', EVENTSTORE_URL: '', MONGODB_URL: '' })).toMatchObject({ port: 3000, eventStoreUrl: undefined, mongodbUrl: undefined });
  });

  it('LEDGER_PROJECTIONS: by default a thread of this process with two cores or more, else run; follow when a projector process runs them', () => {
    expect(defaultProjectionRole(1)).toBe('run');
    expect(defaultProjectionRole(2)).toBe('thread');
    expect(defaultProjectionRole(8)).toBe('thread');
    expect(loadConfig({}).projections).toBe(defaultProjectionRole(availableParallelism()));
    expect(loadConfig({ LEDGER_PROJECTIONS: 'run' }).projections).toBe('run');
    expect(loadConfig({ LEDGER_PROJECTIONS: 'follow' }).projections).toBe('follow');
    expect(loadConfig({ LEDGER_PROJECTIONS: 'thread' }).projections).toBe('thread');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '0'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['PORT', '1e3'],
    ['PORT', '3000abc'],
    ['PORT', '-1'],
    ['EVENTSTORE_TIMEOUT_MS', '-5'],
    ['EVENTSTORE_TIMEOUT_MS', '0'],
    ['EVENTSTORE_TIMEOUT_MS', 'ten'],
    ['EVENTSTORE_TIMEOUT_MS', '1.5'],
    ['EVENTSTORE_TIMEOUT_MS', '9999999999'],
    ['LEDGER_SQLITE_BUSY_TIMEOUT_MS', '0'],
    ['LEDGER_SQLITE_BUSY_TIMEOUT_MS', '-1'],
    ['LEDGER_SQLITE_BUSY_TIMEOUT_MS', '5s'],
    ['LEDGER_SQLITE_BUSY_TIMEOUT_MS', '600001'],
    ['MONGODB_SERVER_SELECTION_TIMEOUT_MS', '-1'],
    ['LEDGER_SQLITE_SYNCHRONOUS', 'SOMETIMES'],
    ['EVENTSTORE_URL', 'http://localhost:2113'],
    ['MONGODB_URL', 'localhost:27017'],
    ['LEDGER_ADMIN_API_KEY', 'short'],
    ['LEDGER_ADMIN_API_KEY', 'a key with spaces in it'],
    ['LEDGER_DEADLINE_BLI_NOTICE_DAYS', '0'],
    ['LEDGER_DEADLINE_ACCESS_REVIEW_MONTHS', 'twelve'],
    ['LEDGER_DEADLINE_USAGE_REVIEW_MONTHS', '-12'],
    ['LEDGER_DEADLINE_TRAINING_MONTHS', '12.5'],
    ['LEDGER_LOG_LEVEL', 'verbose'],
    ['LEDGER_LOG_FORMAT', 'xml'],
    ['LEDGER_PROJECTIONS', 'elsewhere'],
    ['LEDGER_PROJECTIONS', 'FOLLOW'],
    ['LEDGER_SIGNING_KEY', 'not-a-key'],
    ['LEDGER_WITNESS_URL', 'ftp://witness'],
    ['LEDGER_CHECKPOINT_EVERY_EVENTS', '0'],
    ['LEDGER_CHECKPOINT_INTERVAL_SECONDS', '-30'],
    ['LEDGER_RATE_LIMIT_REFUSAL_DELAY_MS', '-5'],
    ['LEDGER_RATE_LIMIT_REFUSAL_DELAY_MS', '1.5'],
    ['LEDGER_RATE_LIMIT_REFUSAL_DELAY_MS', '20000'],
  ])('%s=%s stops the start naming the variable', (variable, value) => {
    const error = refusal({ ...keys, [variable]: value });
    expect(error.issues).toEqual([{ variable, rule: expect.any(String) }]);
    expect(error.message).toContain(variable);
  });

  it('server keys: bad ones are named, never echoed', () => {
    const master = key();
    const error = refusal({ LEDGER_HMAC_KEY: 'not base64!', LEDGER_MASTER_KEY: master });
    expect(error.issues).toEqual([{ variable: 'LEDGER_HMAC_KEY', rule: expect.stringContaining('base64') }]);
    expect(error.message).not.toContain(master);
    expect(refusal({ LEDGER_HMAC_KEY: master, LEDGER_MASTER_KEY: master }).issues[0].variable).toBe('LEDGER_MASTER_KEY');
  });

  it('EventStoreDB without server keys is refused, naming both keys', () => {
    expect(refusal({ EVENTSTORE_URL: 'kurrentdb://db:2113' }).issues.map((i) => i.variable)).toEqual(['LEDGER_HMAC_KEY', 'LEDGER_MASTER_KEY']);
  });

  it('reports every bad variable at once, without repeating secret values', () => {
    const error = refusal({ PORT: 'abc', EVENTSTORE_TIMEOUT_MS: '-5', LEDGER_ADMIN_API_KEY: 'tiny-secret' });
    expect(error.issues.map((i) => i.variable).sort()).toEqual(['EVENTSTORE_TIMEOUT_MS', 'LEDGER_ADMIN_API_KEY', 'PORT']);
    expect(error.message).not.toContain('tiny-secret');
  });
});
