/**
 * Callback signing secrets. The hub must sign with the secret, so it cannot keep only a hash:
 * it keeps the secret sealed with AES-256-GCM under a key derived from WEBHOOK_SECRET, and
 * shows the secret itself once, when the callback is registered.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const SEAL_INFO = 'status-callback-secret-seal';

function sealingKey(masterSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterSecret, Buffer.alloc(0), SEAL_INFO, 32));
}

export function newCallbackSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function sealSecret(secret: string, masterSecret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(masterSecret), iv);
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')).join('.');
}

/** Throws when the secret was sealed under another WEBHOOK_SECRET. */
export function unsealSecret(sealed: string, masterSecret: string): string {
  const [iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(masterSecret), iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
}

/** Hex HMAC-SHA256 of "<timestamp>.<raw body>", as RUNTIME.md describes. */
export function callbackSignature(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}
