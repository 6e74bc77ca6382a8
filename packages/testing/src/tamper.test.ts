import { describe, expect, it } from 'vitest'
import { tamper } from './tamper.js'

const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'

describe('tamper', () => {
  it('changes exactly the first signature character to another base64url character', () => {
    const result = tamper(token)
    const [header, payload, signature] = result.split('.')
    expect(`${header}.${payload}`).toBe('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0')
    expect(signature).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(signature).toHaveLength(43)
    expect(signature?.slice(1)).toBe('BjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')
    expect(signature?.charAt(0)).not.toBe('d')
  })

  it('changes the decoded signature bytes', () => {
    const decode = (t: string) => Buffer.from(t.split('.')[2] ?? '', 'base64url')
    expect(decode(tamper(token)).equals(decode(token))).toBe(false)
  })

  it('is reversible and never maps to the same character', () => {
    for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
      const input = `a.b.${c}xyz`
      expect(tamper(input)).not.toBe(input)
      expect(tamper(tamper(input))).toBe(input)
    }
  })

  it.each(['a.b.', 'a.b', 'a.b.c.d.e', 'a.b.=x'])('rejects %j', (input) => {
    expect(() => tamper(input)).toThrow(TypeError)
  })
})
