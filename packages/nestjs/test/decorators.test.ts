import { isOAuthError } from '@scopeguard/core'
import { describe, expect, it } from 'vitest'
import {
  ANY_SCOPE_METADATA,
  AnyScope,
  CLAIMS_METADATA,
  OPTIONAL_AUTH_METADATA,
  OptionalAuth,
  PUBLIC_METADATA,
  Public,
  RequireClaim,
  SCOPES_METADATA,
  ScopeguardGuard,
  Scopes,
} from '../src/index.js'

describe('decorators', () => {
  it('store their metadata under fixed, namespaced keys', () => {
    @Scopes('files')
    @AnyScope('a', 'b')
    @RequireClaim('tenant', 'acme')
    class Decorated {
      @Public()
      @OptionalAuth()
      @Scopes('files:write', 'files:read')
      handler(): void {}
    }
    const handler = Decorated.prototype.handler
    expect(Reflect.getMetadata('scopeguard:scopes', Decorated)).toEqual(['files'])
    expect(Reflect.getMetadata(SCOPES_METADATA, handler)).toEqual(['files:write', 'files:read'])
    expect(Reflect.getMetadata(ANY_SCOPE_METADATA, Decorated)).toEqual([['a', 'b']])
    expect(Reflect.getMetadata(CLAIMS_METADATA, Decorated)).toMatchObject([
      { kind: 'claim', claim: 'tenant' },
    ])
    expect(Reflect.getMetadata(PUBLIC_METADATA, handler)).toBe(true)
    expect(Reflect.getMetadata(OPTIONAL_AUTH_METADATA, handler)).toBe(true)
  })

  it('accumulate when repeated on one target, in source order', () => {
    class Repeated {
      @Scopes('a')
      @Scopes('b', 'c')
      @AnyScope('x', 'y')
      @AnyScope('z')
      handler(): void {}
    }
    const handler = Repeated.prototype.handler
    expect(Reflect.getMetadata(SCOPES_METADATA, handler)).toEqual(['a', 'b', 'c'])
    expect(Reflect.getMetadata(ANY_SCOPE_METADATA, handler)).toEqual([['x', 'y'], ['z']])
  })

  it('reject a missing or malformed scope when the class is defined', () => {
    expect(() => Scopes()).toThrow(/requireScope\(\) needs at least one scope/)
    expect(() => Scopes('files read')).toThrow(/not a valid scope token/)
    expect(() => AnyScope()).toThrow(/requireAnyScope\(\) needs at least one scope/)
    expect(() => RequireClaim('', 'x')).toThrow(/needs a claim name/)
    expect(() => RequireClaim('roles', { includes: 'a b' })).toThrow(/without spaces/)
    expect(() => RequireClaim('roles', 'admin', { description: '' })).toThrow(/description/)
    let error: unknown
    try {
      Scopes('"quoted"')
    } catch (e) {
      error = e
    }
    expect((error as Error).name).toBe('ConfigurationError')
    expect(isOAuthError(error)).toBe(false)
  })

  it('@Public(...guards) stores the guard classes it exempts', () => {
    class OtherGuard extends ScopeguardGuard {}
    class Marked {
      @Public(ScopeguardGuard, OtherGuard)
      handler(): void {}
    }
    expect(Reflect.getMetadata(PUBLIC_METADATA, Marked.prototype.handler)).toEqual([
      ScopeguardGuard,
      OtherGuard,
    ])
  })

  it('@Public() refuses anything but ScopeguardGuard classes when the class is defined', () => {
    class NotAGuard {}
    for (const wrong of [
      NotAGuard,
      'ScopeguardGuard',
      new (class extends ScopeguardGuard {})(
        ...([] as unknown as ConstructorParameters<typeof ScopeguardGuard>),
      ),
    ]) {
      let error: unknown
      try {
        Public(wrong as never)
      } catch (e) {
        error = e
      }
      expect((error as Error).name).toBe('ConfigurationError')
      expect((error as Error).message).toMatch(/@Public\(\) takes the guard classes it exempts/)
    }
  })
})
