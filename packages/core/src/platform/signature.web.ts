import type { NativeSignatures } from '../native-signatures.js'

/**
 * Runtimes other than Node.js verify signatures through Web Crypto (jose): no synchronous
 * primitives. Default build of `#platform/signature`.
 */
export const nativeSignatures: NativeSignatures | undefined = undefined
