import { API_HEADERS, PAGE_HEADERS, securityHeadersFor, THIRD_PARTY_PAGE_HEADERS } from './security-headers';

describe('security headers', () => {
  it('gives JSON responses the headers that mean something there, and a CSP that allows nothing', () => {
    expect(API_HEADERS).toEqual({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'cross-origin-resource-policy': 'same-origin',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    });
  });

  it('gives HTML pages helmet’s whole set; Swagger UI and Bull Board a CSP that admits their inline code', () => {
    expect(PAGE_HEADERS).toMatchObject({ 'x-frame-options': 'DENY', 'cross-origin-opener-policy': 'same-origin', 'x-content-type-options': 'nosniff' });
    expect(PAGE_HEADERS['content-security-policy']).toBeUndefined();
    expect(THIRD_PARTY_PAGE_HEADERS['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  });

  it.each([
    ['/v1/pilots/1', API_HEADERS],
    ['/health/live', API_HEADERS],
    ['/docs-json', API_HEADERS],
    ['/metrics', API_HEADERS],
    ['/docs', THIRD_PARTY_PAGE_HEADERS],
    ['/docs/swagger-ui.css', THIRD_PARTY_PAGE_HEADERS],
    ['/admin/queues?token=x', THIRD_PARTY_PAGE_HEADERS],
    ['/reports', PAGE_HEADERS],
    ['/reports/app.js', PAGE_HEADERS],
  ])('picks the set for %s', (url, expected) => {
    expect(securityHeadersFor(url)).toBe(expected);
  });
});
