import { describe, expect, it } from 'vitest'
import { peerCertificate } from './peer-certificate.js'

describe('peerCertificate', () => {
  const der = new Uint8Array([0x30, 0x82, 0x01])

  it('returns the DER bytes of an encrypted socket’s client certificate', () => {
    expect(peerCertificate({ encrypted: true, getPeerCertificate: () => ({ raw: der }) })).toBe(der)
  })

  it('returns undefined over plain HTTP, without a certificate, or for anything else', () => {
    expect(peerCertificate({ getPeerCertificate: () => ({ raw: der }) })).toBeUndefined()
    expect(peerCertificate({ encrypted: true, getPeerCertificate: () => null })).toBeUndefined()
    expect(peerCertificate({ encrypted: true, getPeerCertificate: () => ({}) })).toBeUndefined()
    expect(
      peerCertificate({ encrypted: true, getPeerCertificate: () => ({ raw: new Uint8Array() }) }),
    ).toBeUndefined()
    expect(peerCertificate({ encrypted: true })).toBeUndefined()
    expect(peerCertificate(undefined)).toBeUndefined()
    expect(peerCertificate(null)).toBeUndefined()
  })
})
