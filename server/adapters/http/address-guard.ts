/**
 * The outbound-HTTP SSRF guard: which addresses are refused (SPEC, `OUTBOUND_BLOCK_PRIVATE`), and the
 * connect-time hooks that apply it to the address a socket actually dials, so DNS rebinding cannot slip past.
 */
import dns from 'node:dns';
import net, { BlockList, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import { NodeFailure } from '#shared/errors.ts';

/** Refused whatever `OUTBOUND_BLOCK_PRIVATE` says: nothing a workflow should reach from this host. */
const alwaysBlocked = new BlockList();
alwaysBlocked.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network": Linux dials 0.0.0.0 as the local host
alwaysBlocked.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, home of 169.254.169.254 metadata
alwaysBlocked.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata (inside CGNAT, so named here)
alwaysBlocked.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
alwaysBlocked.addSubnet('240.0.0.0', 4, 'ipv4'); // reserved, including 255.255.255.255 broadcast
alwaysBlocked.addAddress('::', 'ipv6');
alwaysBlocked.addSubnet('fe80::', 10, 'ipv6');
alwaysBlocked.addAddress('fd00:ec2::254', 'ipv6'); // AWS instance metadata over IPv6
alwaysBlocked.addSubnet('ff00::', 8, 'ipv6');

/** Refused only with `blockPrivate`: this host and the networks around it. */
const privateRanges = new BlockList();
privateRanges.addSubnet('127.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('10.0.0.0', 8, 'ipv4');
privateRanges.addSubnet('172.16.0.0', 12, 'ipv4');
privateRanges.addSubnet('192.168.0.0', 16, 'ipv4');
privateRanges.addSubnet('100.64.0.0', 10, 'ipv4'); // CGNAT
privateRanges.addSubnet('192.0.0.0', 24, 'ipv4'); // IETF protocol assignments
privateRanges.addSubnet('198.18.0.0', 15, 'ipv4'); // benchmarking, often used for internal gear
privateRanges.addAddress('::1', 'ipv6');
privateRanges.addSubnet('fc00::', 7, 'ipv6'); // unique-local
privateRanges.addSubnet('fec0::', 10, 'ipv6'); // deprecated site-local, still routed by some stacks

/**
 * True when an outbound connection to `ip` must be refused. Anything that is not an IP address is refused,
 * so a caller that forgot to resolve fails closed. IPv6 forms that carry an IPv4 address (mapped
 * `::ffff:7f00:1`, compatible `::7f00:1`, NAT64 `64:ff9b::7f00:1`) are judged by the IPv4 address inside.
 */
export function isBlockedAddress(ip: string, blockPrivate: boolean): boolean {
  let address = ip.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  const family = net.isIP(address);
  if (family === 0) return true;
  if (family === 6) {
    const v4 = embeddedIPv4(address);
    if (v4 !== undefined) return isBlockedAddress(v4, blockPrivate);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return alwaysBlocked.check(address, type) || (blockPrivate && privateRanges.check(address, type));
}

/** The IPv4 address an IPv6 address stands for, when it is one of the forms that reach an IPv4 host. */
function embeddedIPv4(ipv6: string): string | undefined {
  const groups = expandIPv6(ipv6);
  if (groups === undefined) return undefined;
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  const isMapped = upperZero && g5 === 0xffff;
  // "::" and "::1" are IPv6's own unspecified and loopback, not IPv4-compatible addresses.
  const isCompatible = upperZero && g5 === 0 && g6 !== 0;
  const isNat64 = g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0;
  if (!isMapped && !isCompatible && !isNat64) return undefined;
  return `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
}

/** Eight 16-bit groups of a valid IPv6 address (a trailing dotted quad allowed). */
function expandIPv6(ipv6: string): number[] | undefined {
  let text = ipv6.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const octets = tail.split('.').map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return undefined;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (rest === undefined && missing !== 0)) return undefined;
  const groups = [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => parseInt(g, 16));
  return groups.some((g) => Number.isNaN(g)) ? undefined : groups;
}

/** The refusal every path throws: a `NodeFailure`, because retrying a forbidden address cannot help. */
export function addressBlockedError(host: string, addresses: string[]): NodeFailure {
  return new NodeFailure(`outbound request to ${host} refused: ${addresses.join(', ')} is not an allowed address`, {
    code: 'ADDRESS_BLOCKED',
    details: { host, addresses },
  });
}

/**
 * Wraps a `lookup` so that refused addresses never reach `connect`. Allowed answers are kept (a name with
 * one public and one private record still works); a name with nothing allowed fails with ADDRESS_BLOCKED.
 */
export function guardLookup(lookup: LookupFunction, blockPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (err, address, family) => {
      if (err) {
        callback(err, address, family);
      } else if (Array.isArray(address)) {
        const allowed = address.filter((a) => !isBlockedAddress(a.address, blockPrivate));
        if (allowed.length > 0) callback(null, allowed);
        else callback(addressBlockedError(hostname, address.map((a) => a.address)), []);
      } else if (isBlockedAddress(address, blockPrivate)) {
        callback(addressBlockedError(hostname, [address]), '', family);
      } else {
        callback(null, address, family);
      }
    });
  };
}

/**
 * An undici connector that refuses blocked addresses before any socket exists. Node skips `lookup` for IP
 * literals, so those are checked here by hand; the peer address is checked again once connected, as a
 * last line should some other path ever hand the socket an address the hooks did not see.
 */
export function createGuardedConnector(options: { blockPrivate: boolean; lookup?: LookupFunction }): buildConnector.connector {
  const { blockPrivate } = options;
  const connect = buildConnector({ lookup: guardLookup(options.lookup ?? dns.lookup, blockPrivate), timeout: 10_000 });
  return (target, callback) => {
    if (net.isIP(target.hostname) !== 0 && isBlockedAddress(target.hostname, blockPrivate)) {
      callback(addressBlockedError(target.hostname, [target.hostname]), null);
      return;
    }
    connect(target, (err, socket) => {
      if (err !== null) {
        callback(err, null);
        return;
      }
      const peer = socket.remoteAddress;
      if (peer === undefined || isBlockedAddress(peer, blockPrivate)) {
        socket.destroy();
        callback(addressBlockedError(target.hostname, [peer ?? 'unknown']), null);
        return;
      }
      callback(null, socket);
    });
  };
}
