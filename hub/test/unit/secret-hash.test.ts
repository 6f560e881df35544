import { describe, expect, it } from 'vitest';
import { hashSecret, verifySecret } from '../../src/auth/secret-hash.js';

describe('secret hashes', () => {
  it('verifies the right secret and refuses wrong ones', async () => {
    const stored = await hashSecret('korrekt hest batteri stift');
    expect(await verifySecret('korrekt hest batteri stift', stored)).toBe(true);
    for (const wrong of ['korrekt hest batteri stif', 'Korrekt hest batteri stift', 'korrekt hest batteri stift ', '']) {
      expect(await verifySecret(wrong, stored), JSON.stringify(wrong)).toBe(false);
    }
  });

  it('handles Norwegian letters and an empty secret as secrets like any other', async () => {
    const stored = await hashSecret('blåbærsyltetøy');
    expect(await verifySecret('blåbærsyltetøy', stored)).toBe(true);
    expect(await verifySecret('blabaersyltetoy', stored)).toBe(false);
    const empty = await hashSecret('');
    expect(await verifySecret('', empty)).toBe(true);
    expect(await verifySecret(' ', empty)).toBe(false);
  });

  it('salts: two hashes of one secret differ, and both verify', async () => {
    const [first, second] = await Promise.all([hashSecret('device-password'), hashSecret('device-password')]);
    expect(first).not.toBe(second);
    expect(await verifySecret('device-password', first)).toBe(true);
    expect(await verifySecret('device-password', second)).toBe(true);
  });

  it('never stores the secret itself', async () => {
    const stored = await hashSecret('device-password');
    expect(stored).not.toContain('device-password');
    expect(stored).not.toContain(Buffer.from('device-password').toString('base64'));
  });

  it('refuses a stored value that is not a scrypt hash of the expected shape', async () => {
    const stored = await hashSecret('device-password');
    const [, salt, key] = stored.split('$');
    for (const malformed of [
      '',
      'device-password',
      'scrypt',
      'scrypt$',
      'scrypt$$',
      `scrypt$${salt}`,
      `scrypt$${salt}$`,
      `scrypt$$${key}`,
      `bcrypt$${salt}$${key}`,
      `SCRYPT$${salt}$${key}`,
    ]) {
      expect(await verifySecret('device-password', malformed), malformed).toBe(false);
    }
  });

  it('refuses the right secret against a hash with another salt', async () => {
    const stored = await hashSecret('device-password');
    const [, , key] = stored.split('$');
    const otherSalt = Buffer.alloc(16, 7).toString('base64');
    expect(await verifySecret('device-password', `scrypt$${otherSalt}$${key}`)).toBe(false);
  });

  it.each([
    ['a key that is not base64', 'scrypt$c2FsdHNhbHRzYWx0c2FsdA==$!!!!'],
    ['a key of padding only', 'scrypt$c2FsdHNhbHRzYWx0c2FsdA==$='],
  ])('refuses every secret against a stored value with %s', async (_what, stored) => {
    expect(await verifySecret('any guess at all', stored)).toBe(false);
  });
});
