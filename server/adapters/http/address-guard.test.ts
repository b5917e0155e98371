/** Which addresses the SSRF guard refuses, and the lookup wrapper that applies it. No sockets here. */
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { guardLookup, isBlockedAddress } from './address-guard.ts';

const alwaysBlocked = [
  '169.254.169.254',
  '169.254.0.1',
  '100.100.100.200',
  '0.0.0.0',
  '0.1.2.3',
  '224.0.0.1',
  '239.255.255.250',
  '255.255.255.255',
  '::',
  'fe80::1',
  'fe80::1%eth0',
  'febf::1',
  'fd00:ec2::254',
  'ff02::1',
  '::ffff:169.254.169.254',
  '::ffff:a9fe:a9fe',
  '[::ffff:a9fe:a9fe]',
  '::ffff:0.0.0.0',
  'not-an-ip',
  '',
];
const privateOnly = [
  '127.0.0.1',
  '127.1.2.3',
  '10.0.0.1',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '100.64.0.1',
  '100.127.255.254',
  '::1',
  'fc00::1',
  'fd12:3456::1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '0:0:0:0:0:ffff:7f00:1',
  '::7f00:1',
  '64:ff9b::7f00:1',
  '64:ff9b::a00:1',
  '::ffff:10.0.0.1',
];
const public_ = ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:93.184.216.34', '64:ff9b::808:808'];

describe('isBlockedAddress', () => {
  it.each(alwaysBlocked)('always refuses %s', (ip) => {
    expect(isBlockedAddress(ip, false)).toBe(true);
    expect(isBlockedAddress(ip, true)).toBe(true);
  });

  it.each(privateOnly)('refuses %s only with blockPrivate', (ip) => {
    expect(isBlockedAddress(ip, false)).toBe(false);
    expect(isBlockedAddress(ip, true)).toBe(true);
  });

  it.each(public_)('allows public %s', (ip) => {
    expect(isBlockedAddress(ip, true)).toBe(false);
  });
});

describe('guardLookup', () => {
  const fixed = (answers: LookupAddress[]): LookupFunction => (_host, options, callback) => {
    if (options.all) callback(null, answers);
    else callback(null, answers[0]!.address, answers[0]!.family);
  };
  const run = (lookup: LookupFunction, all: boolean) =>
    new Promise<{ err: (Error & { code?: string }) | null; address: unknown }>((resolve) =>
      lookup('metadata.google.internal', { all }, (err, address) => resolve({ err, address })),
    );

  it('refuses a name that only resolves to a forbidden address', async () => {
    const guarded = guardLookup(fixed([{ address: '169.254.169.254', family: 4 }]), false);
    for (const all of [true, false]) {
      const { err } = await run(guarded, all);
      expect(err).toMatchObject({ name: 'NodeFailure', code: 'ADDRESS_BLOCKED' });
    }
  });

  it('keeps the allowed answers of a mixed answer', async () => {
    const guarded = guardLookup(fixed([{ address: '127.0.0.1', family: 4 }, { address: '93.184.216.34', family: 4 }]), true);
    expect(await run(guarded, true)).toEqual({ err: null, address: [{ address: '93.184.216.34', family: 4 }] });
  });

  it('passes lookup errors through untouched', async () => {
    const failure = Object.assign(new Error('queryA ENOTFOUND x'), { code: 'ENOTFOUND' });
    const guarded = guardLookup((_h, _o, cb) => cb(failure, []), true);
    expect((await run(guarded, true)).err).toBe(failure);
  });
});
