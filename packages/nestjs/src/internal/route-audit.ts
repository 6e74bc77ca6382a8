import { checksDespite, isScopeguardGuard } from '../scopeguard.guard.js'
import {
  describeRequirements,
  hasRequirements,
  readExplicitGuards,
  readPublicMark,
  readRequirements,
  type ClassRef,
  type HandlerRef,
} from './route-metadata.js'

// Metadata that Nest's route and resolver decorators write on a handler.
const PATH_METADATA = 'path' // @Get(), @Post(), … (@nestjs/common)
const MESSAGE_PATTERN_METADATA = 'microservices:pattern' // @MessagePattern(), @EventPattern()
const RESOLVER_TYPE_METADATA = 'graphql:resolver_type' // @Query(), @Mutation(), @Subscription()
const RESOLVER_PROPERTY_METADATA = 'graphql:resolve_property' // @ResolveField()

/** What the audit found: misconfigurations to refuse, and warnings to log. */
export interface RouteAudit {
  errors: string[]
  warnings: string[]
}

/** The names and functions of a class's methods, its base classes' included. */
function methodsOf(target: ClassRef): [string, HandlerRef][] {
  const methods = new Map<string, HandlerRef>()
  for (
    let proto: unknown = (target as { prototype?: unknown }).prototype;
    typeof proto === 'object' && proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const value: unknown = Object.getOwnPropertyDescriptor(proto, name)?.value
      if (name !== 'constructor' && !methods.has(name) && typeof value === 'function') {
        methods.set(name, value as HandlerRef)
      }
    }
  }
  return [...methods]
}

function isHandler(method: HandlerRef): boolean {
  return [PATH_METADATA, MESSAGE_PATTERN_METADATA, RESOLVER_TYPE_METADATA].some(
    (key) => Reflect.getMetadata(key, method) !== undefined,
  )
}

function isFieldResolver(method: HandlerRef): boolean {
  return Reflect.getMetadata(RESOLVER_PROPERTY_METADATA, method) === true
}

/**
 * Checks the handlers of the given controller and resolver classes:
 *
 * - an error for each route that `@Public()` exempts from every scopeguard guard that could check
 *   it while it carries requirements (they would be silently dropped);
 * - with `fieldGuards` false (GraphQL's `fieldResolverEnhancers` lacks `'guards'`), a warning for
 *   each `@ResolveField()` with requirements or a scopeguard guard, which Nest would not run.
 */
export function auditRoutes(classes: Iterable<ClassRef>, fieldGuards: boolean): RouteAudit {
  const audit: RouteAudit = { errors: [], warnings: [] }
  for (const target of new Set(classes)) {
    for (const [name, method] of methodsOf(target)) {
      const field = isFieldResolver(method)
      if (!field && !isHandler(method)) continue
      const where = `${target.name}.${name}`
      const requirements = readRequirements(method, target)
      const required = hasRequirements(requirements)
      const explicit = readExplicitGuards(method, target)
      const mark = readPublicMark(method, target)
      if (mark !== undefined && required && !explicit.some((guard) => checksDespite(mark, guard))) {
        const exempted =
          mark === true ? '@Public()' : `@Public(${mark.map((guard) => guard.name).join(', ')})`
        audit.errors.push(
          `${where} is ${exempted} but requires ${describeRequirements(requirements)}, which no guard would check; remove @Public(), or apply the guard that checks them with @UseGuards()`,
        )
      }
      if (field && !fieldGuards && (required || explicit.some(isScopeguardGuard))) {
        audit.warnings.push(
          `the @ResolveField() ${where} has scopeguard requirements or guards, but Nest runs no guards on field resolvers: set fieldResolverEnhancers: ['guards'] in GraphQLModule's options`,
        )
      }
    }
  }
  return audit
}
