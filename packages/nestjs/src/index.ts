// Everything an application needs from @scopeguard/core, so that the adapter is the one package
// it imports (the requirement builders serve `rs.authorize(auth, requireScope(...))` in a
// handler). `declare module '@scopeguard/nestjs' { interface Register { … } }` augments the
// core's Register.
export * from '@scopeguard/core'
export type { Register } from '@scopeguard/core'
export type { ResourceMetadataSource } from '@scopeguard/core/adapter'
export { ScopeguardModule } from './scopeguard.module.js'
export type {
  ScopeguardModuleAsyncOptions,
  ScopeguardModuleExtras,
  ScopeguardModuleOptions,
  ScopeguardOptionsFactory,
} from './scopeguard.module-definition.js'
export { ScopeguardGuard } from './scopeguard.guard.js'
export type { GuardedRequest } from './scopeguard.guard.js'
export { ScopeguardException, toScopeguardException } from './scopeguard.exception.js'
export type { ScopeguardExceptionBody } from './scopeguard.exception.js'
export { ScopeguardExceptionFilter } from './scopeguard.filter.js'
export { AnyScope, RequireClaim, Scopes } from './scopes.decorator.js'
export {
  RefuseDelegation,
  RequireActor,
  RequireAuthentication,
  RequireDelegation,
} from './requirements.decorator.js'
export { resourceMetadataMiddleware } from './resource-metadata.middleware.js'
export type { ResourceMetadataMiddleware } from './resource-metadata.middleware.js'
export { Public } from './public.decorator.js'
export { OptionalAuth } from './optional-auth.decorator.js'
export { Auth } from './auth.decorator.js'
export {
  ANY_SCOPE_METADATA,
  CLAIMS_METADATA,
  OPTIONAL_AUTH_METADATA,
  PUBLIC_METADATA,
  REQUIREMENTS_METADATA,
  SCOPEGUARD_MODULE_OPTIONS,
  SCOPEGUARD_RESOURCE_SERVER,
  SCOPES_METADATA,
} from './scopeguard.constants.js'
