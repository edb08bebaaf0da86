import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

/**
 * Secrets at rest (webhook signing secrets): AES-256-GCM under a key derived from SECRETS_KEY
 * (sha256 of it), stored as `enc:v1:<base64 iv‖tag‖ciphertext>`. Without a key, values are kept
 * as they are; a stored plain value still reads back once a key is set, so a key can be
 * introduced later (new and rotated secrets are then encrypted).
 */
export class SecretBox {
  private readonly key?: Buffer;

  constructor(secretsKey?: string) {
    this.key = secretsKey ? createHash('sha256').update(secretsKey, 'utf8').digest() : undefined;
  }

  seal(plain: string): string {
    if (!this.key) return plain;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    if (!this.key) throw new Error('a webhook secret is encrypted but SECRETS_KEY is not set');
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
