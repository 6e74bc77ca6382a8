/**
 * DI token of the core `ResourceServer` that `ScopeguardModule` creates from its options. Inject it
 * to verify tokens yourself (`rs.verifyToken`), to warm the key cache at startup
 * (`rs.warmUp()`), or override it in tests.
 */
export const SCOPEGUARD_RESOURCE_SERVER = 'scopeguard:resource-server'

/** DI token of the options given to `ScopeguardModule.forRoot()` / `forRootAsync()`. */
export const SCOPEGUARD_MODULE_OPTIONS = 'scopeguard:module-options'

/** Metadata key of `@Scopes()`: the scopes a route requires, all of them. */
export const SCOPES_METADATA = 'scopeguard:scopes'

/** Metadata key of `@AnyScope()`: groups of scopes of which a route requires one each. */
export const ANY_SCOPE_METADATA = 'scopeguard:any-scope'

/** Metadata key of `@RequireClaim()`: the claim requirements of a route. */
export const CLAIMS_METADATA = 'scopeguard:claims'

/** Metadata key of `@Public()`: the route needs no token, even under a global guard. */
export const PUBLIC_METADATA = 'scopeguard:public'

/** Metadata key of `@OptionalAuth()`: requests without a token pass as anonymous. */
export const OPTIONAL_AUTH_METADATA = 'scopeguard:optional-auth'

/**
 * Metadata key of `@RequireAuthentication()`, `@RequireActor()`, `@RequireDelegation()` and
 * `@RefuseDelegation()`: further core requirements of a route.
 */
export const REQUIREMENTS_METADATA = 'scopeguard:requirements'
