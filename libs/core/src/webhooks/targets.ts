import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { AppError } from '../common/app-error';

/** Names that only ever mean something inside: refused whatever they resolve to. */
const INTERNAL_NAME = /(^|\.)(localhost|local|internal|localdomain|home\.arpa|intranet|lan)$/i;

export interface TargetPolicy {
  /** Host names (exact), addresses or CIDR ranges admitted although private or plain http. */
  allowHosts: readonly string[];
  /** Fixed answers for host names, like curl --resolve. */
  resolve?: Readonly<Record<string, string>>;
}

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

function normalise(address: Parsed): Parsed {
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
}

function allowedByList(policy: TargetPolicy, host: string, address?: Parsed): boolean {
  for (const entry of policy.allowHosts) {
    if (entry === host) return true;
    if (!address) continue;
    try {
      if (entry.includes('/')) {
        const [range, bits] = ipaddr.parseCIDR(entry);
        if (range.kind() === address.kind() && address.match([range, bits] as [Parsed, number])) return true;
      } else if (ipaddr.isValid(entry)) {
        const one = normalise(ipaddr.parse(entry));
        if (one.kind() === address.kind() && one.toString() === address.toString()) return true;
      }
    } catch {
      // An unusable entry admits nothing.
    }
  }
  return false;
}

/** Why an address may not be a webhook target, or null: only public unicast addresses may. */
export function addressProblem(raw: string, host: string, policy: TargetPolicy): string | null {
  let address: Parsed;
  try {
    address = normalise(ipaddr.parse(raw));
  } catch {
    return `${raw} is not an IP address`;
  }
  if (allowedByList(policy, host, address)) return null;
  const range = address.range();
  return range === 'unicast' ? null : `${host} resolves to a ${range} address (${address.toString()})`;
}

/**
 * Checks a subscription's URL before it is stored: https on a public name or address (unless
 * admitted by WEBHOOK_ALLOW_HOSTS), no credentials, no internal names; numeric host forms are
 * read as the WHATWG URL parser reads them (0x7f000001 is 127.0.0.1).
 */
export function checkTargetUrl(value: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refused('is not an absolute URL');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refused('must be https');
  if (url.username || url.password) throw refused('must not carry credentials');
  const admitted = allowedByList(policy, host, ipaddr.isValid(host) ? normalise(ipaddr.parse(host)) : undefined);
  if (url.protocol === 'http:' && !admitted) throw refused('must be https (plain http only for hosts in WEBHOOK_ALLOW_HOSTS)');
  if (admitted) return url;
  if (ipaddr.isValid(host)) {
    const problem = addressProblem(host, host, policy);
    if (problem) throw refused(`must be a public address: ${problem}`);
  } else if (INTERNAL_NAME.test(host) || !host.includes('.')) {
    throw refused(`must be a public host name, not ${host}`);
  }
  return url;
}

function refused(why: string): AppError {
  return new AppError('REQUEST.INVALID', `The webhook URL ${why}`, [{ field: 'url', message: why }]);
}

/**
 * Resolves a target at delivery time and checks every address it resolves to (a name may have
 * been pointed inside since it was subscribed). Returns the address to connect to.
 */
export async function resolveTarget(host: string, policy: TargetPolicy): Promise<{ address: string; family: 4 | 6 }> {
  const name = host.replace(/^\[|\]$/g, '').toLowerCase();
  const fixed = policy.resolve?.[name];
  const answers = ipaddr.isValid(name)
    ? [{ address: name, family: ipaddr.parse(name).kind() === 'ipv6' ? 6 : 4 }]
    : fixed
      ? [{ address: fixed, family: ipaddr.parse(fixed).kind() === 'ipv6' ? 6 : 4 }]
      : await lookup(name, { all: true, verbatim: true });
  if (answers.length === 0) throw new Error(`${name} does not resolve`);
  for (const answer of answers) {
    const problem = addressProblem(answer.address, name, policy);
    if (problem) throw new TargetRefusedError(problem);
  }
  const first = answers[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

export class TargetRefusedError extends Error {
  override name = 'TargetRefused';
}
