import { describe, expect, it } from 'vitest'
import { resolveHost as resolveOnNode } from './platform/resolve-host.node.js'
import { resolveHost as resolveOnWeb } from './platform/resolve-host.web.js'
import {
  isLocalhostName,
  privateNetworkProblem,
  specialAddressKind,
  type HostResolver,
} from './private-network.js'

describe('specialAddressKind', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['192.0.0.8', 'special-purpose'],
    ['192.0.2.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:c0a8:0101::1', 'private'],
    ['fc00::1', 'private (unique local)'],
    ['fd12:3456::1', 'private (unique local)'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001::1', 'special-purpose'],
    ['::127.0.0.1', 'reserved'],
    ['100::1', 'reserved'],
  ])('%s is %s', (address, kind) => {
    expect(specialAddressKind(address)).toBe(kind)
  })

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '100.128.0.1',
    '172.32.0.1',
    '169.255.0.1',
    '2606:4700:4700::1111',
    '[2a00:1450:4001::200e]',
    '::ffff:8.8.8.8',
    '2002:0808:0808::1',
  ])('%s is globally reachable', (address) => {
    expect(specialAddressKind(address)).toBeUndefined()
  })

  it.each(['example.com', '1.2.3', '256.1.1.1', '1::2::3', '12345::1', ''])(
    'throws for %j, which is not an address',
    (text) => {
      expect(() => specialAddressKind(text)).toThrow(TypeError)
    },
  )
})

describe('isLocalhostName', () => {
  it('recognises localhost and .localhost names, with a final dot', () => {
    for (const name of ['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'a.localhost..']) {
      expect(isLocalhostName(name)).toBe(true)
    }
    for (const name of ['localhost.example.com', 'notlocalhost', 'example.com']) {
      expect(isLocalhostName(name)).toBe(false)
    }
  })
})

describe('privateNetworkProblem', () => {
  const answering =
    (addresses: readonly string[]): HostResolver =>
    async () =>
      addresses

  it('checks IP literals without resolving', async () => {
    const never: HostResolver = () => Promise.reject(new Error('must not resolve'))
    expect(await privateNetworkProblem(new URL('http://10.0.0.1/'), never)).toBe(
      'its host 10.0.0.1 is a private address',
    )
    expect(await privateNetworkProblem(new URL('http://[fe80::1]/'), never)).toBe(
      'its host [fe80::1] is a link-local address',
    )
    // The URL parser turns other spellings of an IPv4 address into the dotted quad first.
    expect(await privateNetworkProblem(new URL('http://0x7f000001/'), never)).toMatch(/loopback/)
    expect(await privateNetworkProblem(new URL('http://2130706433/'), never)).toMatch(/loopback/)
    expect(await privateNetworkProblem(new URL('http://[::ffff:169.254.169.254]/'), never)).toMatch(
      /link-local/,
    )
    expect(await privateNetworkProblem(new URL('https://8.8.8.8/'), never)).toBeUndefined()
  })

  it('refuses localhost-like names without resolving', async () => {
    const never: HostResolver = () => Promise.reject(new Error('must not resolve'))
    expect(await privateNetworkProblem(new URL('http://localhost./'), never)).toMatch(/loopback/)
    expect(await privateNetworkProblem(new URL('http://x.localhost:8080/'), never)).toMatch(
      /loopback/,
    )
  })

  it('refuses a name when any of its addresses is special', async () => {
    const url = new URL('https://tenant.example/')
    expect(await privateNetworkProblem(url, answering(['8.8.8.8']))).toBeUndefined()
    expect(await privateNetworkProblem(url, answering(['8.8.8.8', '10.0.0.7']))).toBe(
      'its host tenant.example resolves to 10.0.0.7, a private address',
    )
    expect(await privateNetworkProblem(url, answering(['::ffff:127.0.0.1']))).toMatch(/loopback/)
    expect(await privateNetworkProblem(url, answering([]))).toMatch(/does not resolve/)
    expect(await privateNetworkProblem(url, answering(['not-an-ip']))).toMatch(/not an IP address/)
  })

  it('on Node.js resolves names with the system resolver', async () => {
    expect(await resolveOnNode('localhost')).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(127\.0\.0\.1|::1)$/)]),
    )
    expect(await privateNetworkProblem(new URL('https://name.invalid/'), resolveOnNode)).toMatch(
      /its host name\.invalid does not resolve \(ENOTFOUND\)/,
    )
  })

  it('elsewhere lets names through (no DNS), but still checks literals and localhost', async () => {
    expect(await resolveOnWeb('example.com')).toBeUndefined()
    expect(
      await privateNetworkProblem(new URL('https://tenant.example/'), resolveOnWeb),
    ).toBeUndefined()
    expect(await privateNetworkProblem(new URL('https://localhost/'), resolveOnWeb)).toMatch(
      /loopback/,
    )
    expect(await privateNetworkProblem(new URL('https://192.168.0.1/'), resolveOnWeb)).toMatch(
      /private/,
    )
  })
})
