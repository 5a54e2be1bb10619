import { inspect } from 'node:util';
import { keyedHash } from './keyed-hash';
import {
  DataKeyNotFoundError,
  InvalidPersonIdError,
  InvalidPersonalIdentifierError,
  PersonalDataErasedError,
  PersonalDataIntegrityError,
} from './errors';
import { PersonalDataProtector } from './personal-data-protector';
import { SqliteDataKeyVault } from './sqlite-data-key-vault';

// A real vault adapter on an in-memory SQLite database: no server, no mock.
function setup() {
  const hmacKey = Buffer.alloc(32, 0x5a);
  const vault = new SqliteDataKeyVault({ path: ':memory:', masterKey: Buffer.alloc(32, 0x3c) });
  const protector = new PersonalDataProtector({ vault, hmacKey });
  return { hmacKey, vault, protector };
}

const erasure = { reason: '要點 十一(二): use complete, case 114-0001 closed', actor: 'admin:taipei-labor-01', at: new Date('2025-07-01T02:00:00Z') };
const COMPACT = /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/;

describe('PersonalDataProtector', () => {
  let ctx: ReturnType<typeof setup>;
  beforeEach(() => {
    ctx = setup();
  });
  afterEach(() => ctx.vault.close());

  it('returns compact ciphertexts only (no keyed hash) that reveal the normalised values', async () => {
    const out = await ctx.protector.protect('person-1', { nationalId: ' a123456789 ', name: ' 王小明 ', myEGovAccountId: ' egov_wang ' });
    expect(Object.keys(out).sort()).toEqual(['myEGovAccountIdCiphertext', 'nameCiphertext', 'nationalIdCiphertext']);
    expect(JSON.stringify(out)).not.toContain(keyedHash(ctx.hmacKey, 'national-id', 'A123456789'));
    expect(await ctx.protector.reveal('person-1', out.myEGovAccountIdCiphertext!, 'myEGovAccountId')).toBe('egov_wang');
    expect(out.nationalIdCiphertext).toMatch(COMPACT);
    expect(out.nameCiphertext).toMatch(COMPACT);
    expect(await ctx.protector.reveal('person-1', out.nationalIdCiphertext, 'nationalId')).toBe('A123456789');
    expect(await ctx.protector.reveal('person-1', out.nameCiphertext, 'name')).toBe('王小明');
  });

  it('keeps plaintext out of the protected output', async () => {
    const out = await ctx.protector.protect('person-1', { nationalId: 'A123456789', name: 'Nguyễn Thị Lan' });
    const json = JSON.stringify(out);
    expect(json).not.toContain('A123456789');
    expect(json).not.toContain('123456789');
    expect(json).not.toContain('Nguy');
    expect(json).not.toContain(Buffer.from('Nguyễn Thị Lan').toString('base64url'));
  });

  it('uses a fresh IV each time, yet one random person id for the same person', async () => {
    const a = await ctx.protector.protect('person-1', { nationalId: 'A123456789', name: '王小明' });
    const b = await ctx.protector.protect('person-1', { nationalId: 'a123456789', name: '王小明' });
    const first = await ctx.protector.resolvePerson('A123456789');
    expect(first).toEqual({ personId: expect.stringMatching(/^person_[0-9a-f]{32}$/), known: false });
    expect(await ctx.protector.resolvePerson(' a123456789')).toEqual({ personId: first.personId, known: true });
    expect(first.personId).not.toContain(keyedHash(ctx.hmacKey, 'national-id', 'A123456789').slice(0, 32));
    expect(b.nationalIdCiphertext).not.toBe(a.nationalIdCiphertext);
    expect(b.nameCiphertext).not.toBe(a.nameCiphertext);
  });

  it('one random account key per person, agency and kind (要點 六(一)), also when raced', async () => {
    const { personId } = await ctx.protector.resolvePerson('AC01234567');
    const raced = await Promise.all([1, 2, 3].map(() => ctx.protector.accountKey(personId, 'SWD001', 'USER')));
    expect(new Set(raced.map((r) => r.key)).size).toBe(1);
    expect(raced[0].key).toMatch(/^[0-9a-f]{32}$/);
    expect((await ctx.protector.accountKey(personId, 'SWD001', 'ADMIN')).key).not.toBe(raced[0].key);
    expect(await ctx.protector.findPerson('A123456789')).toBeUndefined();
  });

  it('crypto-shreds: after erase the unchanged ciphertext no longer reveals, and the blind index is gone', async () => {
    const { personId: indexed } = await ctx.protector.resolvePerson('A123456789');
    await ctx.protector.accountKey(indexed, 'SWD001', 'USER');
    await ctx.protector.erase(indexed, erasure);
    expect(await ctx.protector.findPerson('A123456789')).toBeUndefined();
    expect(await ctx.protector.accountKeysOf(indexed)).toEqual([]);
    const out = await ctx.protector.protect('person-1', { nationalId: 'A123456789', name: '王小明' });
    const before = { ...out };
    await ctx.protector.erase('person-1', erasure);

    expect(out).toEqual(before); // the event payload is untouched: hashes over it stay valid
    await expect(ctx.protector.reveal('person-1', out.nationalIdCiphertext, 'nationalId')).rejects.toBeInstanceOf(PersonalDataErasedError);
    await expect(ctx.protector.reveal('person-1', out.nameCiphertext, 'name')).rejects.toBeInstanceOf(PersonalDataErasedError);
    expect(await ctx.vault.getTombstone('person-1')).toEqual({ personId: 'person-1', destroyedAt: erasure.at, reason: erasure.reason, actor: erasure.actor });
    // A shredded person is not silently re-keyed, which would make old and new data look alike.
    await expect(ctx.protector.protect('person-1', { nationalId: 'A123456789', name: '王小明' })).rejects.toBeInstanceOf(PersonalDataErasedError);
  });

  it('erasing one person leaves another readable', async () => {
    const one = await ctx.protector.protect('person-1', { nationalId: 'A123456789', name: '王小明' });
    const two = await ctx.protector.protect('person-2', { nationalId: 'A800000014', name: '李大華' });
    await ctx.protector.erase('person-1', erasure);
    await expect(ctx.protector.reveal('person-1', one.nameCiphertext, 'name')).rejects.toBeInstanceOf(PersonalDataErasedError);
    expect(await ctx.protector.reveal('person-2', two.nameCiphertext, 'name')).toBe('李大華');
  });

  it('binds ciphertexts to their person and field', async () => {
    const one = await ctx.protector.protect('person-1', { nationalId: 'A123456789', name: '王小明' });
    await ctx.protector.protect('person-2', { nationalId: 'A800000014', name: '李大華' });
    await expect(ctx.protector.reveal('person-1', one.nameCiphertext, 'nationalId')).rejects.toMatchObject({
      constructor: PersonalDataIntegrityError,
      rule: 'authentication-failed',
    });
    await expect(ctx.protector.reveal('person-2', one.nameCiphertext, 'name')).rejects.toBeInstanceOf(PersonalDataIntegrityError);
  });

  it('rejects tampered and malformed ciphertexts', async () => {
    const { nameCiphertext } = await ctx.protector.protect('person-1', { nationalId: 'A123456789', name: '王小明' });
    const parts = nameCiphertext.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] ^= 0x01;
    const tampered = [parts[0], parts[1], parts[2], ct.toString('base64url')].join('.');
    await expect(ctx.protector.reveal('person-1', tampered, 'name')).rejects.toMatchObject({ rule: 'authentication-failed' });
    for (const bad of ['', 'v2' + nameCiphertext.slice(2), nameCiphertext + '=', parts.slice(0, 3).join('.'), 'v1.a.b.c']) {
      await expect(ctx.protector.reveal('person-1', bad, 'name')).rejects.toMatchObject({ constructor: PersonalDataIntegrityError, rule: 'malformed' });
    }
  });

  it('tells a missing key apart from an erased one', async () => {
    const other = setup();
    const out = await other.protector.protect('person-1', { nationalId: 'A123456789', name: '王小明' });
    await expect(ctx.protector.reveal('person-1', out.nameCiphertext, 'name')).rejects.toBeInstanceOf(DataKeyNotFoundError);
    other.vault.close();
  });

  it('refuses invalid identifiers and names with the field and rule, without creating a key', async () => {
    await expect(ctx.protector.protect('person-1', { nationalId: 'A123456788', name: '王小明' })).rejects.toMatchObject({
      constructor: InvalidPersonalIdentifierError,
      field: 'nationalId',
      rule: 'bad-check-digit',
    });
    await expect(ctx.protector.protect('person-1', { nationalId: 'A123456789', name: '  ' })).rejects.toMatchObject({
      field: 'name',
      rule: 'empty',
    });
    await expect(ctx.protector.protect('person-1', { nationalId: 'A123456789', name: '王\u202E明' })).rejects.toMatchObject({
      field: 'name',
      rule: 'no-control-or-bidi-characters',
    });
    await expect(ctx.protector.resolvePerson('B2')).rejects.toThrow(InvalidPersonalIdentifierError);
    expect(await ctx.vault.getKey('person-1')).toBeUndefined();
  });

  it('要點 九(一): a query subject is protected by its identifier alone; no name is sealed and none is returned', async () => {
    const out = await ctx.protector.protect('person-1', { nationalId: 'A123456789' });
    expect(Object.keys(out)).toEqual(['nationalIdCiphertext']);
    expect(await ctx.protector.reveal('person-1', out.nationalIdCiphertext, 'nationalId')).toBe('A123456789');
    // Leaving the name out is not the same as sending an empty one, which is still refused.
    await expect(ctx.protector.protect('person-1', { nationalId: 'A123456789', name: '' })).rejects.toMatchObject({ field: 'name', rule: 'empty' });
  });

  it('protects many identifiers in one vault transaction with the same person ids and keys as one at a time', async () => {
    const known = await ctx.protector.resolvePerson('B123456780');
    const single = await ctx.protector.protect(known.personId, { nationalId: 'B123456780' });
    const spy = jest.spyOn(ctx.vault, 'personsWithKeys');
    const out = await ctx.protector.protectIdentifiers(['a123456789', 'B123456780', 'A123456789']);
    expect(spy).toHaveBeenCalledTimes(1);
    // The same person for the same number (also twice in one batch), and the person made before.
    expect(out[0].personId).toBe(out[2].personId);
    expect(out[1].personId).toBe(known.personId);
    expect(await ctx.protector.findPerson('A123456789')).toBe(out[0].personId);
    for (const [i, id] of ['A123456789', 'B123456780', 'A123456789'].entries()) {
      expect(out[i].nationalIdCiphertext).toMatch(COMPACT);
      expect(await ctx.protector.reveal(out[i].personId, out[i].nationalIdCiphertext, 'nationalId')).toBe(id);
    }
    // The batch used the key made by protect(): the earlier ciphertext still opens with it.
    expect(await ctx.protector.reveal(known.personId, single.nationalIdCiphertext, 'nationalId')).toBe('B123456780');
  });

  it('a checked identifier looks up and protects as its number does, and shows neither number nor blind index', async () => {
    const checked = ctx.protector.check(' a123456789 ');
    expect(await ctx.protector.findPerson(checked)).toBeUndefined();
    const vaultSpy = jest.spyOn(ctx.vault, 'personsWithKeys');
    const [viaChecked, viaString] = await ctx.protector.protectIdentifiers([checked, 'B123456780']);
    const [again] = await ctx.protector.protectIdentifiers(['A123456789']);
    expect(vaultSpy).toHaveBeenCalledTimes(2);
    expect(viaChecked.personId).toBe(again.personId);
    expect(await ctx.protector.findPerson(checked)).toBe(viaChecked.personId);
    expect(await ctx.protector.findPerson('A123456789')).toBe(viaChecked.personId);
    expect(await ctx.protector.findPerson('B123456780')).toBe(viaString.personId);
    expect(await ctx.protector.reveal(viaChecked.personId, viaChecked.nationalIdCiphertext, 'nationalId')).toBe('A123456789');
    const blind = keyedHash(ctx.hmacKey, 'national-id', 'A123456789');
    for (const shown of [JSON.stringify(checked), inspect(checked, { showHidden: true, depth: 5 }), String(checked)]) {
      expect(shown).not.toMatch(/A123456789/i);
      expect(shown).not.toContain(blind);
    }
  });

  it('check() refuses what findPerson refuses, without echoing it', () => {
    expect(() => ctx.protector.check('A123456788')).toThrow(InvalidPersonalIdentifierError);
    expect(() => ctx.protector.check('A123456788')).toThrow(/^((?!A123456788).)*$/);
  });

  it('a batch naming an erased person is refused whole and creates no key for the others', async () => {
    const { personId } = await ctx.protector.resolvePerson('B123456780');
    await ctx.protector.protect(personId, { nationalId: 'B123456780' });
    await ctx.vault.destroyKey(personId, erasure);
    await expect(ctx.vault.getOrCreateKeys(['person-fresh', personId])).rejects.toBeInstanceOf(PersonalDataErasedError);
    expect(await ctx.vault.getKey('person-fresh')).toBeUndefined();
    // Erasure removed the number's index row too: the number is a new, unlinked person now.
    const [again] = await ctx.protector.protectIdentifiers(['B123456780']);
    expect(again.personId).not.toBe(personId);
    expect(await ctx.protector.reveal(again.personId, again.nationalIdCiphertext, 'nationalId')).toBe('B123456780');
  });

  it('refuses a national ID used as the person id, without echoing it', async () => {
    const attempt = ctx.protector.protect('A123456789', { nationalId: 'A123456789', name: '王小明' });
    await expect(attempt).rejects.toBeInstanceOf(InvalidPersonIdError);
    await expect(attempt).rejects.toThrow(/^((?!A123456789).)*$/);
  });

  it('never puts plaintext into a thrown error', async () => {
    const id = 'A123456789';
    const name = '王小明';
    const { nameCiphertext, nationalIdCiphertext } = await ctx.protector.protect('person-1', { nationalId: id, name });
    await ctx.protector.protect('person-2', { nationalId: 'A800000014', name: '李大華' });
    const failures: Array<() => unknown> = [
      () => ctx.protector.protect('person-3', { nationalId: 'A123456788', name }),
      () => ctx.protector.protect('person-3', { nationalId: 'a12345678', name }),
      () => ctx.protector.protect('person-3', { nationalId: id, name: `${name}\u0000` }),
      () => ctx.protector.protect('person-3', { nationalId: id, name: name.repeat(100) }),
      () => ctx.protector.protect(id, { nationalId: id, name }),
      () => ctx.protector.resolvePerson('A123456788'),
      () => ctx.protector.reveal('person-2', nationalIdCiphertext, 'nationalId'),
      () => ctx.protector.reveal('person-1', nameCiphertext, 'nationalId'),
      async () => {
        await ctx.protector.erase('person-1', erasure);
        return ctx.protector.reveal('person-1', nameCiphertext, 'name');
      },
    ];
    for (const fail of failures) {
      let caught: unknown;
      try {
        await fail();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(Error);
      const rendered = [(caught as Error).message, String(caught), JSON.stringify(caught), inspect(caught, { depth: 5 })].join('\n');
      for (const secret of [id, 'A123456788', '123456788', '12345678', name, '小明', nameCiphertext, nationalIdCiphertext]) {
        expect(rendered).not.toContain(secret);
      }
    }
  });

  it('does not print its HMAC key when inspected or serialised', () => {
    const rendered = inspect(ctx.protector, { depth: 10, showHidden: true }) + JSON.stringify(ctx.protector);
    expect(rendered).not.toContain(ctx.hmacKey.toString('hex').slice(0, 16));
    expect(rendered).not.toMatch(/5a, 5a, 5a|<Buffer 5a/);
  });

  it('refuses an HMAC key shorter than 32 bytes', () => {
    expect(() => new PersonalDataProtector({ vault: ctx.vault, hmacKey: Buffer.alloc(16, 1) })).toThrow(/LEDGER_HMAC_KEY/);
  });
});
