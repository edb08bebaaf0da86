import { addressProblem, checkTargetUrl, resolveTarget, TargetRefusedError } from './targets';

const none = { allowHosts: [] as string[] };

describe('webhook targets', () => {
  it.each([
    'https://hooks.frontex.europa.eu/labgate',
    'https://93.184.216.34/hook',
    'https://[2001:4860:4860::8888]/hook',
  ])('admits %s', (url) => {
    expect(checkTargetUrl(url, none).toString()).toBe(new URL(url).toString());
  });

  it.each([
    ['http://hooks.frontex.europa.eu/x', /https/],
    ['https://127.0.0.1/x', /loopback/],
    ['https://0x7f000001/x', /loopback/],
    ['https://2130706433/x', /loopback/],
    ['https://127.1/x', /loopback/],
    ['https://[::1]/x', /loopback/],
    ['https://[::ffff:10.0.0.1]/x', /private/],
    ['https://169.254.169.254/x', /linkLocal/],
    ['https://100.64.0.1/x', /carrierGradeNat/],
    ['https://192.168.0.1/x', /private/],
    ['https://0.0.0.0/x', /unspecified/],
    ['https://[fd00::1]/x', /uniqueLocal/],
    ['https://metadata.google.internal/x', /public host name/],
    ['https://localhost/x', /public host name/],
    ['https://printer.local/x', /public host name/],
    ['https://intranet/x', /public host name/],
    ['https://user:pw@hooks.example.eu/x', /credentials/],
    ['ftp://hooks.example.eu/x', /https/],
    ['nonsense', /absolute URL/],
  ])('refuses %s', (url, why) => {
    expect(() => checkTargetUrl(url, none)).toThrow(why);
  });

  it('admits listed hosts and ranges over http, and only those', () => {
    const policy = { allowHosts: ['127.0.0.1', 'hooks.europol.local', '10.20.0.0/16'] };
    expect(() => checkTargetUrl('http://127.0.0.1:8080/x', policy)).not.toThrow();
    expect(() => checkTargetUrl('http://hooks.europol.local/x', policy)).not.toThrow();
    expect(() => checkTargetUrl('https://10.20.3.4/x', policy)).not.toThrow();
    expect(() => checkTargetUrl('https://10.21.3.4/x', policy)).toThrow(/private/);
    expect(() => checkTargetUrl('http://127.0.0.2/x', policy)).toThrow();
  });

  it('checks every address a name resolves to at delivery', async () => {
    await expect(resolveTarget('hooks.example.eu', { allowHosts: [], resolve: { 'hooks.example.eu': '127.0.0.2' } })).rejects.toBeInstanceOf(TargetRefusedError);
    await expect(resolveTarget('hooks.example.eu', { allowHosts: [], resolve: { 'hooks.example.eu': '93.184.216.34' } })).resolves.toEqual({ address: '93.184.216.34', family: 4 });
    await expect(resolveTarget('::ffff:127.0.0.1', { allowHosts: [] })).rejects.toThrow(/loopback/);
    expect(addressProblem('8.8.8.8', 'dns.google', none)).toBeNull();
    expect(addressProblem('fe80::1', 'x.example', none)).toMatch(/linkLocal/);
  });
});
