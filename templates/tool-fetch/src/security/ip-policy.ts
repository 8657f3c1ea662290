// Address policy for outbound requests. Guards against SSRF into the server's own network: only
// globally routable unicast addresses pass. Everything ipaddr.js does not class as 'unicast' is refused
// (private 10/8 172.16/12 192.168/16, loopback 127/8 ::1, link-local 169.254/16 (cloud metadata
// 169.254.169.254) fe80::/10, multicast, unique-local fc00::/7, unspecified 0/8 ::, CGNAT 100.64/10,
// benchmarking 198.18/15, reserved and documentation ranges, broadcast, IPv4-mapped ::ffff:0:0/96,
// NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo 2001::/32 — all refused whole, whatever v4 they embed),
// plus the deprecated IPv4-compatible form ::a.b.c.d, which ipaddr.js calls unicast.
// Input must already be a canonical literal (net.isIP): odd forms like 0x7f.1 are the URL parser's job.
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressVerdict = { ok: true; address: string; family: 4 | 6 } | { ok: false; range: string };

/**
 * Decides whether one resolved or literal address may be connected to.
 * `allowLoopbackForTests` admits exactly 127.0.0.1 and nothing else; only tests pass it (see safe-fetch.ts).
 */
export function checkAddress(address: string, allowLoopbackForTests = false): AddressVerdict {
  const family = isIP(address);
  if (family === 0) return { ok: false, range: 'invalid' };
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return { ok: false, range: 'invalid' };
  }
  if (allowLoopbackForTests && parsed.kind() === 'ipv4' && parsed.toString() === '127.0.0.1') {
    return { ok: true, address: '127.0.0.1', family: 4 };
  }
  const range = parsed.range();
  if (range !== 'unicast') return { ok: false, range };
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.zoneId !== undefined) return { ok: false, range: 'scoped' };
    // ::/96 — IPv4-compatible (deprecated); stacks may route ::127.0.0.1 to the embedded v4 address.
    if (v6.parts.slice(0, 6).every((part) => part === 0)) return { ok: false, range: 'ipv4Compatible' };
  }
  return { ok: true, address: parsed.toString(), family: family as 4 | 6 };
}
