import { execFile } from 'node:child_process'
import { createHash, X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A self-signed X.509 certificate and its key, made for one test run. */
export interface TestCertificate {
  /** The certificate, PEM: `https.createServer({ cert })` or a TLS client's `cert`. */
  certificate: string
  /** Its private key (PKCS #8 PEM). */
  privateKey: string
  /** The certificate's DER bytes, what the TLS layer exchanges. */
  der: Uint8Array
  /**
   * `x5t#S256`: the unpadded base64url SHA-256 of the DER bytes, the value a certificate-bound
   * token carries in `cnf` (RFC 8705 §3.1).
   */
  thumbprint: string
}

/** Options of {@link createTestCertificate}. */
export interface TestCertificateOptions {
  /** The subject's common name. @default 'scopeguard-test' */
  commonName?: string
  /** Subject alternative names, e.g. `['IP:127.0.0.1', 'DNS:localhost']`, for a server certificate. */
  altNames?: readonly string[]
}

/**
 * Makes a fresh self-signed certificate (EC P-256, valid one day) with the `openssl` command, for
 * mutual-TLS tests: a server certificate, or a client certificate whose {@link TestCertificate.thumbprint}
 * goes into a token's `cnf`.
 * @throws Error when `openssl` is not installed or fails.
 */
export async function createTestCertificate(
  options: TestCertificateOptions = {},
): Promise<TestCertificate> {
  const commonName = options.commonName ?? 'scopeguard-test'
  if (!/^[\w .:-]+$/.test(commonName)) {
    throw new Error(`createTestCertificate: unsupported commonName ${JSON.stringify(commonName)}`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'scopeguard-cert-'))
  try {
    const keyFile = join(dir, 'key.pem')
    const certFile = join(dir, 'cert.pem')
    const args = [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      `/CN=${commonName}`,
      ...(options.altNames && options.altNames.length > 0
        ? ['-addext', `subjectAltName=${options.altNames.join(',')}`]
        : []),
    ]
    try {
      await run('openssl', args)
    } catch (error) {
      throw new Error('createTestCertificate: openssl could not make a certificate', {
        cause: error,
      })
    }
    const certificate = await readFile(certFile, 'utf8')
    const privateKey = await readFile(keyFile, 'utf8')
    const der = new Uint8Array(new X509Certificate(certificate).raw)
    const thumbprint = createHash('sha256').update(der).digest('base64url')
    return { certificate, privateKey, der, thumbprint }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
