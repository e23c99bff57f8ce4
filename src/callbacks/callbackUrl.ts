/**
 * Which URLs the hub may call back. In production a callback URL must be https and must not
 * resolve to a loopback, link-local or private address (nor any other address that is not on
 * the public internet): checked at registration, and again on every call by checking the
 * address the connection is actually made to, so a DNS change cannot point it inwards later.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { HubError } from '../shared/errors';

const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** True for loopback, link-local, private, shared, multicast and unspecified addresses (IPv4-mapped IPv6 included). */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return NOT_PUBLIC.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export const MAX_CALLBACK_URL_LENGTH = 2000;

/** Parses and checks a callback URL's form; `production` requires https. */
export function parseCallbackUrl(raw: string, production: boolean): URL {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new HubError('BAD_USER_INPUT', `"${text.slice(0, 100)}" is not a URL`);
  }
  if (text.length > MAX_CALLBACK_URL_LENGTH) throw new HubError('BAD_USER_INPUT', `A callback URL is at most ${MAX_CALLBACK_URL_LENGTH} characters`);
  if (url.protocol !== 'https:' && (production || url.protocol !== 'http:')) throw new HubError('BAD_USER_INPUT', 'A callback URL must be an https:// address');
  if (url.username || url.password) throw new HubError('BAD_USER_INPUT', 'A callback URL must not hold a user name or password; the hub signs every call instead');
  if (url.hash) throw new HubError('BAD_USER_INPUT', 'A callback URL must not have a #fragment');
  return url;
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Resolves the host and refuses it when any address it resolves to is not public. */
export async function assertPublicHost(url: URL): Promise<void> {
  const host = hostOf(url);
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found))));
  } catch {
    throw new HubError('BAD_USER_INPUT', `The callback host ${host} could not be resolved`);
  }
  if (addresses.length === 0 || addresses.some((a) => isNonPublicAddress(a.address))) {
    throw new HubError('BAD_USER_INPUT', `The callback host ${host} resolves to a loopback, link-local or private address; use a public https address`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup for http(s).request that refuses to connect to a non-public address. */
export function publicOnlyLookup(hostname: string, options: object, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const blocked = addresses.find((a) => isNonPublicAddress(a.address));
    if (blocked || addresses.length === 0) {
      return callback(Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: 'ENONPUBLIC' }), []);
    }
    if ((options as { all?: boolean }).all) return callback(null, addresses);
    return callback(null, addresses[0].address, addresses[0].family);
  });
}
