import {
  createPrivateKey,
  generateKeyPairSync,
  randomUUID,
  sign,
  type KeyObject,
} from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'

/** The signing algorithms the benchmark exercises. */
export type Algorithm = 'RS256' | 'ES256' | 'EdDSA'
export const ALGORITHMS: readonly Algorithm[] = ['RS256', 'ES256', 'EdDSA']

/** One signing key: its private PEM and the public JWK the issuer publishes. */
export interface KeyMaterial {
  alg: Algorithm
  kid: string
  privatePem: string
  publicJwk: Record<string, unknown>
}

/** Everything the processes of a run share: keys, issuer, audience. */
export interface BenchKeys {
  keys: KeyMaterial[]
  /** A key the issuer does not publish (for unknown-kid floods and bad signatures). */
  rogue: KeyMaterial
}

export const AUDIENCE = 'https://api.bench.test'

function generate(alg: Algorithm, kid: string): KeyMaterial {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519')
  const jwk = pair.publicKey.export({ format: 'jwk' }) as Record<string, unknown>
  return {
    alg,
    kid,
    privatePem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicJwk: { ...jwk, kid, alg, use: 'sig' },
  }
}

/** Fresh keys for one run. */
export function generateKeys(): BenchKeys {
  return {
    keys: ALGORITHMS.map((alg) => generate(alg, `bench-${alg.toLowerCase()}`)),
    rogue: generate('RS256', 'rogue'),
  }
}

export function writeKeys(path: string, keys: BenchKeys): void {
  writeFileSync(path, JSON.stringify(keys))
}

export function readKeys(path: string): BenchKeys {
  return JSON.parse(readFileSync(path, 'utf8')) as BenchKeys
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A fast synchronous JWS signer (node:crypto) for one key. */
export function createSigner(
  key: KeyMaterial,
  issuer: string,
): (claims?: Record<string, unknown>, kid?: string) => string {
  const privateKey: KeyObject = createPrivateKey(key.privatePem)
  return (claims = {}, kid = key.kid) => {
    const now = Math.floor(Date.now() / 1000)
    const header = b64({ alg: key.alg, typ: 'at+jwt', kid })
    const payload = b64({
      iss: issuer,
      aud: AUDIENCE,
      sub: `user-${randomUUID()}`,
      client_id: 'bench-client',
      scope: 'files:read',
      iat: now,
      exp: now + 3600,
      jti: randomUUID(),
      ...claims,
    })
    const input = `${header}.${payload}`
    const signature =
      key.alg === 'RS256'
        ? sign('sha256', Buffer.from(input), privateKey)
        : key.alg === 'ES256'
          ? sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
          : sign(null, Buffer.from(input), privateKey)
    return `${input}.${signature.toString('base64url')}`
  }
}

/** The same token with a broken signature (last signature character changed). */
export function tamper(token: string): string {
  const last = token.at(-2) === 'A' ? 'B' : 'A'
  return `${token.slice(0, -2)}${last}${token.at(-1)}`
}
