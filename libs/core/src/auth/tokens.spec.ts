import { createHash } from 'node:crypto';
import { apiTokenCacheKey, generateApiToken, hashApiToken } from './tokens';

describe('API token hashes', () => {
  it('hashes with SHA-256 of the UTF-8 token', () => {
    expect(hashApiToken('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashApiToken('lg_é')).toEqual(createHash('sha256').update('lg_é', 'utf8').digest());
  });

  it('keys the token cache by the same hash in base64, so a cached lookup finds what a resolved one stored', () => {
    for (let i = 0; i < 50; i++) {
      const token = generateApiToken();
      expect(apiTokenCacheKey(token)).toBe(hashApiToken(token).toString('base64'));
    }
    expect(apiTokenCacheKey('abc')).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
  });
});
