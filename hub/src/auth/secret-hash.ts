import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (secret: string, salt: Buffer, keyLength: number) => Promise<Buffer>;
const KEY_LENGTH = 32;

/**
 * A new password (device credentials, demo accounts). Hex, so it never starts with "-" and
 * passes through a command line as the value it is.
 */
export function newSecret(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** Hashes an operator password or a device credential: `scrypt$<salt>$<key>`, both base64. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, KEY_LENGTH);
  return `scrypt$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 3 || parts[0] !== 'scrypt') return false;
  const salt = Buffer.from(parts[1]!, 'base64');
  const expected = Buffer.from(parts[2]!, 'base64');
  // A damaged stored value must never shrink the comparison: two empty keys would be equal.
  if (salt.length === 0 || expected.length !== KEY_LENGTH) return false;
  const actual = await scryptAsync(secret, salt, KEY_LENGTH);
  return timingSafeEqual(actual, expected);
}
