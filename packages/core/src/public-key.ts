import { errors, importSPKI, type CryptoKey } from 'jose'
import { ConfigurationError, TemporarilyUnavailableError } from './errors.js'
import type { KeySource, VerificationKey } from './key-source.js'
import type { Logger } from './logger.js'
import { KEY_TYPES, type NativeKeyMatch } from './native-key-set.js'
import type { NativeKey, NativeSignatures } from './native-signatures.js'

/** One configured SPKI public key, with the algorithms it may verify. */
export interface ParsedPublicKey {
  /** The PEM text, as given. */
  readonly pem: string
  /** What the key is, for messages: `RSA 2048`, `EC P-256`, `Ed25519`. */
  readonly type: string
  /** The accepted algorithms this key can verify, in the order of `algorithms`. */
  readonly algorithms: readonly string[]
}

const OID = {
  rsa: '2a864886f70d010101',
  rsaPss: '2a864886f70d01010a',
  ec: '2a8648ce3d0201',
  ed25519: '2b6570',
  ed448: '2b6571',
} as const

const CURVES: Record<string, { name: string; alg: string }> = {
  '2a8648ce3d030107': { name: 'P-256', alg: 'ES256' },
  '2b81040022': { name: 'P-384', alg: 'ES384' },
  '2b81040023': { name: 'P-521', alg: 'ES512' },
}

const RSA_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']

interface Element {
  tag: number
  /** First byte of the contents. */
  start: number
  /** One past the last byte of the contents. */
  end: number
}

/** Reads one DER element at `at`; throws on anything truncated or indefinite. */
function element(der: Uint8Array, at: number, limit = der.length): Element {
  if (at + 2 > limit) throw new Error('truncated')
  const tag = der[at] as number
  let length = der[at + 1] as number
  let start = at + 2
  if (length & 0x80) {
    const bytes = length & 0x7f
    if (bytes === 0 || bytes > 3 || start + bytes > limit) throw new Error('bad length')
    length = 0
    for (let i = 0; i < bytes; i++) length = length * 256 + (der[start + i] as number)
    start += bytes
  }
  if (start + length > limit) throw new Error('truncated')
  return { tag, start, end: start + length }
}

function hex(der: Uint8Array, { start, end }: Element): string {
  let out = ''
  for (let i = start; i < end; i++) out += (der[i] as number).toString(16).padStart(2, '0')
  return out
}

/** The bit length of an RSA modulus inside the SPKI's BIT STRING. */
function rsaModulusBits(der: Uint8Array, bits: Element): number {
  // BIT STRING: one byte of unused bits, then RSAPublicKey ::= SEQUENCE { modulus INTEGER, … }
  const key = element(der, bits.start + 1, bits.end)
  const modulus = element(der, key.start, key.end)
  if (key.tag !== 0x30 || modulus.tag !== 0x02) throw new Error('not an RSA public key')
  let first = modulus.start
  while (first < modulus.end && der[first] === 0) first++
  if (first === modulus.end) return 0
  return (modulus.end - first - 1) * 8 + (der[first] as number).toString(2).length
}

/** Decodes `-----BEGIN PUBLIC KEY-----` PEM text to DER, with a message for the usual mix-ups. */
function pemToDer(pem: string, name: string): Uint8Array {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1]
  if (label !== undefined && label.includes('PRIVATE KEY')) {
    throw new ConfigurationError(
      `${name} is a private key; give the issuer's public key (SPKI PEM, "BEGIN PUBLIC KEY")`,
    )
  }
  if (label === 'RSA PUBLIC KEY') {
    throw new ConfigurationError(
      `${name} is a PKCS#1 "RSA PUBLIC KEY"; convert it to SPKI ("BEGIN PUBLIC KEY"), e.g. openssl rsa -RSAPublicKey_in -pubout`,
    )
  }
  if (label === 'CERTIFICATE') {
    throw new ConfigurationError(
      `${name} is a certificate; give its public key (SPKI PEM), e.g. openssl x509 -pubkey -noout`,
    )
  }
  const match = /-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/.exec(pem)
  if (label !== 'PUBLIC KEY' || match === null) {
    throw new ConfigurationError(
      `${name} must be an SPKI public key in PEM ("-----BEGIN PUBLIC KEY-----" …)`,
    )
  }
  try {
    return Uint8Array.from(atob((match[1] as string).replace(/\s+/g, '')), (c) => c.charCodeAt(0))
  } catch {
    throw new ConfigurationError(`${name} is not valid PEM: its body is not base64`)
  }
}

/**
 * Reads one SPKI PEM public key: its type (RSA of at least 2048 bits, EC P-256/384/521 or
 * Ed25519) and the algorithms of `accepted` it can verify.
 * @param name how to name the key in messages, e.g. `publicKey[1]`
 * @throws ConfigurationError when it is not such a key, or `accepted` allows none of its algorithms
 */
export function parsePublicKey(
  pem: unknown,
  accepted: readonly string[],
  name: string,
): ParsedPublicKey {
  if (typeof pem !== 'string') {
    throw new ConfigurationError(`${name} must be a PEM string`)
  }
  const der = pemToDer(pem, name)
  let type: string
  let candidates: readonly string[]
  try {
    const spki = element(der, 0)
    const algorithm = element(der, spki.start, spki.end)
    const oid = element(der, algorithm.start, algorithm.end)
    const bits = element(der, algorithm.end, spki.end)
    if (spki.tag !== 0x30 || algorithm.tag !== 0x30 || oid.tag !== 0x06 || bits.tag !== 0x03) {
      throw new Error('not a SubjectPublicKeyInfo')
    }
    const kind = hex(der, oid)
    if (kind === OID.rsa) {
      const size = rsaModulusBits(der, bits)
      if (size < 2048) {
        throw new ConfigurationError(
          `${name} is an RSA key of ${size} bits; RSA keys need at least 2048 bits`,
        )
      }
      type = `RSA ${size}`
      candidates = RSA_ALGORITHMS
    } else if (kind === OID.ec) {
      const curveOid = element(der, oid.end, algorithm.end)
      const curve = curveOid.tag === 0x06 ? CURVES[hex(der, curveOid)] : undefined
      if (curve === undefined) {
        throw new ConfigurationError(
          `${name} is an EC key on an unsupported curve; use P-256, P-384 or P-521`,
        )
      }
      type = `EC ${curve.name}`
      candidates = [curve.alg]
    } else if (kind === OID.ed25519) {
      type = 'Ed25519'
      candidates = ['EdDSA', 'Ed25519']
    } else if (kind === OID.rsaPss) {
      throw new ConfigurationError(
        `${name} is an RSASSA-PSS-only key, which cannot be imported; export it as a plain RSA key (rsaEncryption) and allow PS256/384/512 in algorithms`,
      )
    } else {
      throw new ConfigurationError(
        `${name} is of an unsupported key type${kind === OID.ed448 ? ' (Ed448)' : ''}; use RSA, EC P-256/384/521 or Ed25519`,
      )
    }
  } catch (error) {
    if (error instanceof ConfigurationError) throw error
    throw new ConfigurationError(`${name} is not a valid SPKI public key`)
  }
  const algorithms = accepted.filter((alg) => candidates.includes(alg))
  if (algorithms.length === 0) {
    throw new ConfigurationError(
      `${name} is an ${type} key, but algorithms allows none of ${candidates.join(', ')}`,
    )
  }
  return { pem, type, algorithms }
}

/**
 * Reads the `publicKey` option: one SPKI PEM string or several (during a key rotation).
 * @throws ConfigurationError naming the option (and the index of a bad key)
 */
export function parsePublicKeys(
  value: unknown,
  accepted: readonly string[],
  name: string,
): readonly ParsedPublicKey[] {
  if (typeof value === 'string') return [parsePublicKey(value, accepted, name)]
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigurationError(`${name} must be an SPKI PEM string or a non-empty array of them`)
  }
  return value.map((pem, index) => parsePublicKey(pem, accepted, `${name}[${index}]`))
}

/** Whether an imported key is of the type `alg` needs (Web Crypto's check on SPKI import). */
function fits(key: NativeKey, alg: string): boolean {
  const type = KEY_TYPES[alg]
  if (type?.kty === 'RSA') return key.type === 'rsa'
  if (type?.kty === 'EC') return key.type === 'ec' && key.curve === type.crv
  return type?.kty === 'OKP' && key.type === 'ed25519'
}

/**
 * Imports one PEM key for the synchronous verifier, from the bytes jose's `importSPKI` would
 * import (the whole text between the markers).
 */
function importNative(native: NativeSignatures, pem: string): NativeKey | Error {
  try {
    if (pem.indexOf('-----BEGIN PUBLIC KEY-----') !== 0) {
      throw new TypeError('"spki" must be SPKI formatted string')
    }
    const body = atob(pem.replace(/(?:-----(?:BEGIN|END) PUBLIC KEY-----|\s)/g, ''))
    return native.importSpki(Uint8Array.from(body, (c) => c.charCodeAt(0)))
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  }
}

/**
 * A key source over configured SPKI public keys. PEM keys carry no `kid`, so a token's `kid` is
 * not used: every key whose type fits the token's `alg` is tried in turn (RSA keys for RS and PS,
 * each EC key for its curve's ES algorithm, Ed25519 keys for EdDSA). Keys are imported once per
 * algorithm, on first use or in `warmUp`; with `native`, also once for the runtime's synchronous
 * verifier, here.
 */
export function publicKeySource(
  value: string | readonly string[],
  accepted: readonly string[],
  logger: Logger,
  native?: NativeSignatures,
): KeySource {
  const keys = parsePublicKeys(value, accepted, 'publicKey')
  const imported = new Map<string, Promise<CryptoKey>>()
  const importKey = (index: number, alg: string): Promise<CryptoKey> => {
    const id = `${index} ${alg}`
    let key = imported.get(id)
    if (key === undefined) {
      key = importSPKI((keys[index] as ParsedPublicKey).pem, alg)
      imported.set(id, key)
    }
    return key
  }
  const unavailable = (index: number, alg: string, cause: unknown): TemporarilyUnavailableError => {
    logger.error(`publicKey[${index}] cannot be imported for ${alg}`)
    return new TemporarilyUnavailableError(undefined, { cause, reason: 'key_source_unavailable' })
  }
  const load = async (index: number, alg: string): Promise<CryptoKey> => {
    try {
      return await importKey(index, alg)
    } catch (cause) {
      throw unavailable(index, alg, cause)
    }
  }
  const fitting = (alg: unknown): number[] =>
    keys.flatMap((key, index) =>
      typeof alg === 'string' && key.algorithms.includes(alg) ? [index] : [],
    )
  const nativeKeys =
    native === undefined ? undefined : keys.map((key) => importNative(native, key.pem))
  /** The native key of `index` for `alg`, or why there is none. */
  const nativeKey = (index: number, alg: string): NativeKey | Error => {
    const key = (nativeKeys as (NativeKey | Error)[])[index] as NativeKey | Error
    if (key instanceof Error) return key
    return fits(key, alg) ? key : new TypeError(`publicKey[${index}] is not a key for ${alg}`)
  }
  return {
    kind: 'asymmetric',
    async getKey(header) {
      const alg = header.alg
      const indexes = fitting(alg)
      if (indexes.length === 0) throw new errors.JWKSNoMatchingKey()
      if (indexes.length === 1) return load(indexes[0] as number, alg as string)
      // Several candidates: the JWT verifier tries each (as with several JWKS keys and no kid).
      const several = new errors.JWKSMultipleMatchingKeys()
      Object.assign(several, {
        async *[Symbol.asyncIterator](): AsyncGenerator<VerificationKey> {
          for (const index of indexes) yield await load(index, alg as string)
        },
      })
      throw several
    },
    ...(nativeKeys === undefined
      ? {}
      : {
          nativeKeys(header): NativeKeyMatch {
            const alg = header.alg as string
            const indexes = fitting(alg)
            if (indexes.length === 0) throw new errors.JWKSNoMatchingKey()
            const matched = indexes.map((index) => {
              const key = nativeKey(index, alg)
              return key instanceof Error ? unavailable(index, alg, key) : key
            })
            if (matched.length > 1) return matched
            const [only] = matched as [NativeKey | Error]
            if (only instanceof Error) throw only
            return only
          },
        }),
    async warmUp() {
      for (const [index, key] of keys.entries()) {
        for (const alg of key.algorithms) {
          let cause: unknown
          try {
            await importKey(index, alg)
          } catch (error) {
            cause = error
          }
          if (cause === undefined && nativeKeys !== undefined) {
            const imported = nativeKey(index, alg)
            if (imported instanceof Error) cause = imported
          }
          if (cause !== undefined) {
            throw new Error(`scopeguard: publicKey[${index}] cannot be imported for ${alg}`, {
              cause,
            })
          }
        }
      }
    },
  }
}
