import { isIPv4, isIPv6 } from "node:net";

// Which client a per-IP limit counts (docs/security.md, abuse limits). One IPv4 address
// is one client; an IPv6 client usually holds a whole /64 and can pick any address in
// it, so it is keyed by its /64. IPv4-mapped IPv6 (::ffff:192.0.2.1, what a dual-stack
// socket reports for an IPv4 peer) is the IPv4 address it carries.

/** The eight 16-bit groups of an IPv6 address, or null. */
function ipv6Groups(address: string): number[] | null {
  if (!isIPv6(address)) return null;
  let text = address.split("%")[0]!; // a zone id names an interface, not a client
  // A trailing dotted quad (::ffff:1.2.3.4) is two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad[1]!.split(".").map(Number) as [number, number, number, number];
    text = text.slice(0, -quad[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, null];
  const parse = (part: string | undefined) => (part ? part.split(":").map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail ?? undefined);
  const groups = tail === null ? left : [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 ? groups : null;
}

/**
 * The address in one X-Forwarded-For entry, or null when it is none: proxies may write
 * `ip:port` or `[ipv6]:port`, and anything else is not an address at all. Without this,
 * each source port (or any string a client typed) would be a rate-limit bucket of its own.
 */
export function forwardedAddress(entry: string): string | null {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
  if (bracketed) return isIPv6(bracketed[1]!) ? bracketed[1]! : null;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
  if (withPort) return isIPv4(withPort[1]!) ? withPort[1]! : null;
  return isIPv4(entry) || isIPv6(entry) ? entry : null;
}

/** The key a per-IP limit counts `ip` under. */
export function rateLimitKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return ip; // "unknown", or whatever a trusted proxy wrote
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (mapped) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join(".");
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(":")}::/64`;
}
