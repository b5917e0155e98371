/**
 * A `lookup` in `dns.lookup`'s callback shape that asks chosen DNS servers instead of the system resolver:
 * for hosts that must pin outbound DNS, and for tests that need a DNS server they control.
 */
import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';

type Answer = { address: string; family: 4 | 6 };

/**
 * Builds a lookup over `new dns.promises.Resolver()` pointed at `servers` (`'127.0.0.1:5353'`, `'[::1]:53'`).
 * It does not read /etc/hosts; `localhost` answers loopback as RFC 6761 says it must.
 * @example createHttpClient({ blockPrivate: true, lookup: createResolverLookup(['10.0.0.2']) })
 */
export function createResolverLookup(servers: string[], options: { timeoutMs?: number; tries?: number } = {}): LookupFunction {
  const resolver = new dns.promises.Resolver({ timeout: options.timeoutMs ?? 2_000, tries: options.tries ?? 2 });
  resolver.setServers(servers);
  return (hostname, lookupOptions, callback) => {
    const family = familyOf(lookupOptions);
    const all = typeof lookupOptions === 'object' && lookupOptions.all === true;
    resolveAll(resolver, hostname, family).then(
      (answers) => {
        const first = answers[0];
        if (all) callback(null, answers);
        else if (first !== undefined) callback(null, first.address, first.family);
        else callback(notFound(hostname), '', 0);
      },
      (err: NodeJS.ErrnoException) => callback(err, all ? [] : '', 0),
    );
  };
}

function familyOf(options: unknown): 0 | 4 | 6 {
  // Node documents `family` as 4, 6, 0 or the older 'IPv4'/'IPv6'; older callers pass the number alone.
  const raw = typeof options === 'object' && options !== null ? (options as { family?: unknown }).family : options;
  if (raw === 4 || raw === 'IPv4') return 4;
  if (raw === 6 || raw === 'IPv6') return 6;
  return 0;
}

async function resolveAll(resolver: dns.promises.Resolver, hostname: string, family: 0 | 4 | 6): Promise<Answer[]> {
  const literal = net.isIP(hostname);
  if (literal !== 0) return [{ address: hostname, family: literal as 4 | 6 }];
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return [
      { address: '127.0.0.1', family: 4 as const },
      { address: '::1', family: 6 as const },
    ].filter((a) => family === 0 || a.family === family);
  }
  const [v4, v6] = await Promise.allSettled([
    family === 6 ? Promise.resolve([]) : resolver.resolve4(hostname),
    family === 4 ? Promise.resolve([]) : resolver.resolve6(hostname),
  ]);
  const answers: Answer[] = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
  ];
  if (answers.length > 0) return answers;
  // Prefer the error that says most: a missing AAAA (ENODATA) says less than why A failed.
  const failures = [v4, v6].flatMap((r) => (r.status === 'rejected' ? [r.reason as NodeJS.ErrnoException] : []));
  throw failures.find((e) => e.code !== 'ENODATA') ?? failures[0] ?? notFound(hostname);
}

function notFound(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname, syscall: 'queryA' });
}
