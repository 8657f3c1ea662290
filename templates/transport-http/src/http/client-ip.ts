// Client address for the per-IP limit. Guards against a client choosing its own rate-limit bucket:
// X-Forwarded-For is believed only hop by hop from proxies named in TRUST_PROXY (never `true`); a hop
// written with a port (`1.2.3.4:5678`, `[2001:db8::1]:443`) counts as its address; and IPv6 clients are counted per /64, since one host usually controls a whole /64.
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import type { TrustedRange } from '../config/http.js';

/** An address as proxies write it: bare, `1.2.3.4:5678`, `[2001:db8::1]` or `[2001:db8::1]:443`. */
function parse(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const trimmed = text.trim();
  // A port would otherwise make the hop unparseable, and the walk would stop at the proxy's own address.
  const withPort = /^\[([^\]]{1,64})\](?::\d{1,5})?$/.exec(trimmed) ?? /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(trimmed);
  const bare = withPort?.[1] ?? trimmed;
  // ipaddr.process turns IPv4-mapped IPv6 (::ffff:1.2.3.4) into IPv4, so both forms share a bucket.
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : undefined;
}

function trusted(addr: ipaddr.IPv4 | ipaddr.IPv6, ranges: readonly TrustedRange[]): boolean {
  return ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits));
}

/** The client's address: the socket peer, or — behind trusted proxies — the first untrusted hop from the right. */
export function clientAddress(req: IncomingMessage, trustProxy: readonly TrustedRange[]): string {
  let current = parse(req.socket.remoteAddress ?? '');
  if (!current) return 'unknown';
  if (trustProxy.length === 0) return current.toString();
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').reverse();
  for (const hop of hops) {
    if (!trusted(current, trustProxy)) break;
    const next = parse(hop);
    if (!next) break; // garbage from an untrusted party: stop at the last hop we can vouch for
    current = next;
  }
  return current.toString();
}

/** The rate-limit key: IPv4 as is, IPv6 reduced to its /64 prefix. */
export function ipBucket(address: string): string {
  const addr = parse(address);
  if (!addr) return address;
  if (addr.kind() === 'ipv4') return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}
