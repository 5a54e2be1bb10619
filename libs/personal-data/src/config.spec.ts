import { randomBytes } from 'node:crypto';
import { loadPersonalDataKeys } from './config';
import { InvalidKeyMaterialError } from './errors';

describe('loadPersonalDataKeys', () => {
  const hmac = randomBytes(32);
  const master = randomBytes(32);
  const env = { LEDGER_HMAC_KEY: hmac.toString('base64'), LEDGER_MASTER_KEY: master.toString('base64') };

  it('decodes both keys from base64', () => {
    const keys = loadPersonalDataKeys(env);
    expect(keys.hmacKey.equals(hmac)).toBe(true);
    expect(keys.masterKey.equals(master)).toBe(true);
  });

  it('accepts a longer HMAC key', () => {
    expect(loadPersonalDataKeys({ ...env, LEDGER_HMAC_KEY: randomBytes(64).toString('base64') }).hmacKey).toHaveLength(64);
  });

  it.each([
    [{ LEDGER_MASTER_KEY: env.LEDGER_MASTER_KEY }, 'LEDGER_HMAC_KEY', /required/],
    [{ ...env, LEDGER_MASTER_KEY: '' }, 'LEDGER_MASTER_KEY', /required/],
    [{ ...env, LEDGER_HMAC_KEY: randomBytes(31).toString('base64') }, 'LEDGER_HMAC_KEY', /at-least-32-bytes/],
    [{ ...env, LEDGER_MASTER_KEY: randomBytes(48).toString('base64') }, 'LEDGER_MASTER_KEY', /exactly-32-bytes/],
    [{ ...env, LEDGER_MASTER_KEY: env.LEDGER_MASTER_KEY.slice(0, 20) + '!!' + env.LEDGER_MASTER_KEY.slice(22) }, 'LEDGER_MASTER_KEY', /base64/],
    [{ ...env, LEDGER_MASTER_KEY: env.LEDGER_HMAC_KEY }, 'LEDGER_MASTER_KEY', /must-differ/],
  ])('refuses unusable key material (%#) naming the variable, not the value', (badEnv, setting, rule) => {
    let caught: unknown;
    try {
      loadPersonalDataKeys(badEnv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidKeyMaterialError);
    expect(caught).toMatchObject({ setting });
    expect((caught as Error).message).toMatch(rule);
    for (const value of Object.values(badEnv)) if (value) expect((caught as Error).message).not.toContain(value.slice(0, 12));
  });
});
