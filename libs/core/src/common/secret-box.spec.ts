import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('encrypts under SECRETS_KEY, differently each time, and opens it again', () => {
    const box = new SecretBox('k'.repeat(40));
    const a = box.seal(secret);
    const b = box.seal(secret);
    expect(a).toMatch(/^enc:v1:/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('MfKQ9r8');
    expect(box.open(a)).toBe(secret);
    expect(box.open(b)).toBe(secret);
  });

  it('refuses a value sealed under another key or tampered with', () => {
    const sealed = new SecretBox('k'.repeat(40)).seal(secret);
    expect(() => new SecretBox('j'.repeat(40)).open(sealed)).toThrow();
    const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(() => new SecretBox('k'.repeat(40)).open(tampered)).toThrow();
  });

  it('keeps values as they are without a key, and reads plain values once a key is set', () => {
    expect(new SecretBox().seal(secret)).toBe(secret);
    expect(new SecretBox('k'.repeat(40)).open(secret)).toBe(secret);
    expect(() => new SecretBox().open(new SecretBox('k'.repeat(40)).seal(secret))).toThrow(/SECRETS_KEY/);
  });
});
