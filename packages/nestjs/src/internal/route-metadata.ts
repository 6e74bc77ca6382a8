import type { Requirement } from '@scopeguard/core'
import {
  ANY_SCOPE_METADATA,
  CLAIMS_METADATA,
  PUBLIC_METADATA,
  REQUIREMENTS_METADATA,
  SCOPES_METADATA,
} from '../scopeguard.constants.js'

/**
 * Where Nest's `@UseGuards()` stores its guards (`GUARDS_METADATA` of `@nestjs/common`, the same
 * string since Nest 5; its deep import path differs between Nest 11 and 12, so it is spelled out).
 */
export const GUARDS_METADATA = '__guards__'

/** A class: a controller, a resolver, or one of their base classes. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's handler and class types
export type ClassRef = Function
/** A route handler (a method of a controller or resolver). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest's handler and class types
export type HandlerRef = Function

/**
 * What `@Public()` says of a route: `true` for `@Public()` (exempt from guards running as global
 * guards), or the guard classes that `@Public(McpGuard, …)` names.
 */
export type PublicMark = true | readonly ClassRef[]

/** The scopeguard requirements of a route, merged from its whole class hierarchy. */
export interface RouteRequirements {
  scopes: readonly string[]
  anyScopes: readonly (readonly string[])[]
  claims: readonly Requirement[]
  /** Step-up and delegation requirements. */
  others: readonly Requirement[]
}

/** The class and its base classes, base first. */
function classChain(controller: ClassRef): ClassRef[] {
  const chain: ClassRef[] = []
  for (
    let current: unknown = controller;
    typeof current === 'function' && current !== Function.prototype;
    current = Object.getPrototypeOf(current)
  ) {
    chain.unshift(current as ClassRef)
  }
  return chain
}

/**
 * The handler and the methods of the same name that it overrides in base classes, base first.
 * Metadata on an overridden method is on another function object, which Nest never reads.
 */
function methodChain(handler: HandlerRef, controller: ClassRef): HandlerRef[] {
  const methods: HandlerRef[] = []
  let name: PropertyKey | undefined
  for (
    let proto: unknown = (controller as { prototype?: unknown }).prototype;
    typeof proto === 'object' && proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    if (name === undefined) {
      name = Reflect.ownKeys(proto).find(
        (key) => Object.getOwnPropertyDescriptor(proto, key)?.value === handler,
      )
      if (name === undefined) continue
    }
    const value: unknown = Object.getOwnPropertyDescriptor(proto, name)?.value
    if (typeof value === 'function' && !methods.includes(value)) methods.unshift(value)
  }
  return methods.length > 0 ? methods : [handler]
}

/** Every holder of a route's metadata, from the farthest base class to the handler itself. */
function holders(handler: HandlerRef, controller: ClassRef): object[] {
  return [...classChain(controller), ...methodChain(handler, controller)]
}

function merged<T>(key: string, from: readonly object[]): T[] {
  return from.flatMap((holder) => (Reflect.getOwnMetadata(key, holder) as T[] | undefined) ?? [])
}

/**
 * The route's requirements, merged along the class hierarchy: base classes, the controller, the
 * overridden base methods and the handler all add to them (Nest's `Reflector.getAllAndMerge`
 * reads only handler and class, and a subclass's own class metadata shadows its base's).
 */
export function readRequirements(handler: HandlerRef, controller: ClassRef): RouteRequirements {
  const from = holders(handler, controller)
  return {
    scopes: [...new Set(merged<string>(SCOPES_METADATA, from))],
    anyScopes: merged<string[]>(ANY_SCOPE_METADATA, from),
    claims: merged<Requirement>(CLAIMS_METADATA, from),
    others: merged<Requirement>(REQUIREMENTS_METADATA, from),
  }
}

/** Whether a route has any scopeguard requirement. */
export function hasRequirements(requirements: RouteRequirements): boolean {
  return (
    requirements.scopes.length > 0 ||
    requirements.anyScopes.length > 0 ||
    requirements.claims.length > 0 ||
    requirements.others.length > 0
  )
}

/** The route's `@Public()` marking, nearest first: the handler's wins over its class's. */
export function readPublicMark(handler: HandlerRef, controller: ClassRef): PublicMark | undefined {
  for (const holder of holders(handler, controller).reverse()) {
    const mark = Reflect.getOwnMetadata(PUBLIC_METADATA, holder) as PublicMark | undefined
    if (mark !== undefined) return mark
  }
  return undefined
}

/**
 * The guards `@UseGuards()` applies to the route (classes or instances), read exactly as Nest
 * reads them to decide which guards run: the class's (inherited from base classes) and the
 * handler's.
 */
export function readExplicitGuards(handler: HandlerRef, controller: ClassRef): unknown[] {
  const fromClass =
    (Reflect.getMetadata(GUARDS_METADATA, controller) as unknown[] | undefined) ?? []
  const fromHandler = (Reflect.getMetadata(GUARDS_METADATA, handler) as unknown[] | undefined) ?? []
  return [...fromClass, ...fromHandler]
}

/** The requirement decorators of a route, for messages: `@Scopes(admin), @RequireClaim(tenant)`. */
export function describeRequirements(requirements: RouteRequirements): string {
  const parts: string[] = []
  if (requirements.scopes.length > 0) parts.push(`@Scopes(${requirements.scopes.join(' ')})`)
  for (const group of requirements.anyScopes) parts.push(`@AnyScope(${group.join(' ')})`)
  for (const claim of requirements.claims) {
    parts.push(`@RequireClaim(${(claim as { claim?: string }).claim ?? ''})`)
  }
  for (const other of requirements.others) {
    parts.push(
      other.kind === 'authentication' ? '@RequireAuthentication()' : `a ${other.kind} requirement`,
    )
  }
  return parts.join(', ')
}
