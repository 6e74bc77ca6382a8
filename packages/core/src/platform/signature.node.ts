import * as nodeBuffer from 'node:buffer'
import {
  constants,
  createHash,
  createHmac,
  createPublicKey,
  createSecretKey,
  timingSafeEqual,
  verify,
  type KeyObject,
  type VerifyKeyObjectInput,
  type VerifyPublicKeyInput,
} from 'node:crypto'
import type { NativeKey, NativeSignatures } from '../native-signatures.js'

/** A {@link NativeKey} on Node.js: the `KeyObject`, and its verify inputs per algorithm. */
interface NodeKey extends NativeKey {
  readonly object: KeyObject
  readonly inputs: Map<string, KeyObject | VerifyKeyObjectInput | VerifyPublicKeyInput>
}

const CURVES: Record<string, string> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
}

function wrap(object: KeyObject): NodeKey {
  const details = object.type === 'public' ? object.asymmetricKeyDetails : undefined
  return {
    type: object.asymmetricKeyType ?? object.type,
    modulusLength: details?.modulusLength,
    curve: details?.namedCurve === undefined ? undefined : CURVES[details.namedCurve],
    object,
    inputs: new Map(),
  }
}

/** Digest and `crypto.verify` options of each asymmetric JWS algorithm. */
const ASYMMETRIC: Record<string, { hash: string | null; pss?: number; p1363?: true }> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: 32 },
  PS384: { hash: 'sha384', pss: 48 },
  PS512: { hash: 'sha512', pss: 64 },
  ES256: { hash: 'sha256', p1363: true },
  ES384: { hash: 'sha384', p1363: true },
  ES512: { hash: 'sha512', p1363: true },
  EdDSA: { hash: null },
  Ed25519: { hash: null },
}

const HMAC: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }

/** The `crypto.verify` key input for one algorithm, built once per key. */
function inputFor(
  key: NodeKey,
  alg: string,
  spec: { pss?: number; p1363?: true },
): KeyObject | VerifyKeyObjectInput {
  let input = key.inputs.get(alg)
  if (input === undefined) {
    input =
      spec.pss !== undefined
        ? { key: key.object, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.pss }
        : spec.p1363
          ? { key: key.object, dsaEncoding: 'ieee-p1363' }
          : key.object
    key.inputs.set(alg, input)
  }
  return input as KeyObject | VerifyKeyObjectInput
}

const BASE64URL = /^[A-Za-z0-9_-]*$/
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

const { Buffer } = nodeBuffer
type Buffer = nodeBuffer.Buffer
/** `buffer.isAscii` where it exists (Node.js ≥ 18.15), else a scan of the decoded text. */
const isAscii: (bytes: Buffer) => boolean =
  typeof nodeBuffer.isAscii === 'function'
    ? nodeBuffer.isAscii
    : (bytes) => !/[^\x00-\x7f]/.test(bytes.toString('latin1'))

/**
 * Only Node.js itself: runtimes that also answer to the `node` condition (Bun, Deno) keep Web
 * Crypto, whose behaviour the synchronous path is proven against on Node.js only.
 */
const isNode =
  typeof process === 'object' &&
  typeof process.versions?.node === 'string' &&
  process.versions['bun'] === undefined &&
  !('Deno' in globalThis)

function view(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
}

/** `node:crypto`, synchronously: the Node.js build of `#platform/signature`. */
const nodeSignatures: NativeSignatures = {
  importJwk(jwk) {
    return wrap(createPublicKey({ key: { ...jwk }, format: 'jwk' }))
  },
  importSpki(der) {
    return wrap(createPublicKey({ key: view(der), format: 'der', type: 'spki' }))
  },
  importSecret(secret) {
    return wrap(createSecretKey(view(secret)))
  },
  verify(alg, key, data, signature) {
    const nodeKey = key as NodeKey
    try {
      const hmac = HMAC[alg]
      if (hmac !== undefined) {
        const mac = createHmac(hmac, nodeKey.object).update(data).digest()
        return mac.length === signature.length && timingSafeEqual(mac, signature)
      }
      const spec = ASYMMETRIC[alg]
      if (spec === undefined) return false
      return verify(spec.hash, data, inputFor(nodeKey, alg, spec), signature)
    } catch {
      return false
    }
  },
  base64url(value) {
    if (value.length % 4 !== 1 && BASE64URL.test(value)) return Buffer.from(value, 'base64url')
    // Anything unusual takes jose's own route, to refuse and accept exactly the same strings.
    if (value.includes('+') || value.includes('/')) throw new TypeError('Invalid base64url')
    let binary: string
    try {
      binary = atob(value.replace(/-/g, '+').replace(/_/g, '/'))
    } catch (cause) {
      throw new TypeError('The input to be decoded is not correctly encoded.', { cause })
    }
    return Buffer.from(binary, 'latin1')
  },
  ascii(value) {
    return Buffer.from(value, 'latin1')
  },
  utf8(bytes) {
    const buffer = view(bytes)
    return isAscii(buffer) ? buffer.toString('latin1') : strictUtf8.decode(buffer)
  },
  sha256(value) {
    return createHash('sha256').update(value, 'utf8').digest('base64url')
  },
}

export const nativeSignatures: NativeSignatures | undefined = isNode ? nodeSignatures : undefined
