// Which guards check a route: every combination of guards (global, explicit, both), @Public()
// marking and requirements (none, or on the class, the handler, a base class), as the README's
// table (public-table.ts) says, on Express and Fastify. Shared by this package (NestJS 12) and
// tests/nestjs-11 (NestJS 11).
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  UseGuards,
  type INestApplication,
} from '@nestjs/common'
import { APP_GUARD, HttpAdapterHost, NestFactory, Reflector } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'
import { createResourceServer } from '@scopeguard/core'
import { parseChallenges } from '@scopeguard/core/primitives'
import { createTestIssuer, rawRequest, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AnyScope,
  Public,
  RefuseDelegation,
  RequireActor,
  RequireAuthentication,
  RequireClaim,
  RequireDelegation,
  SCOPEGUARD_MODULE_OPTIONS,
  SCOPEGUARD_RESOURCE_SERVER,
  ScopeguardGuard,
  ScopeguardModule,
  Scopes,
  type ResourceServer,
  type ScopeguardModuleOptions,
} from '../src/index.js'
import { GUARDS_METADATA } from '../src/internal/route-metadata.js'
import { PLATFORMS, startNest, type Platform, type RunningApp } from './nest-apps.js'
import { TABLE, type Marking, type Outcome, type TableRow } from './public-table.js'

const API = 'https://api.example.test'
const MCP = 'https://api.example.test/mcp'
const MCP_RESOURCE_SERVER = 'test:mcp-resource-server'

/** A second resource server's guard, as the README shows it. */
@Injectable()
class McpGuard extends ScopeguardGuard {
  constructor(
    @Inject(Reflector) reflector: Reflector,
    @Inject(MCP_RESOURCE_SERVER) resourceServer: ResourceServer<object>,
    @Inject(HttpAdapterHost) adapterHost: HttpAdapterHost,
    @Inject(SCOPEGUARD_MODULE_OPTIONS) options: ScopeguardModuleOptions,
  ) {
    super(reflector, resourceServer, adapterHost, options)
  }
}

/**
 * Where the decorators sit: `class` — requirements on the class, `@Public()`/`@UseGuards()` on
 * the handler; `handler` — the reverse; `same` — all on the handler; `base` — requirements on a
 * base class, the rest on the subclass's handler; `base-public` — `@Public()`/`@UseGuards()` on a
 * base class, requirements on the subclass's handler.
 */
const PLACES = ['class', 'handler', 'same', 'base', 'base-public'] as const
type Place = (typeof PLACES)[number]

const TOKENS = ['none', 'api', 'mcp', 'apiLow', 'mcpLow'] as const
type TokenName = (typeof TOKENS)[number]

interface RouteCase {
  row: TableRow
  required: boolean
  place: Place
  outcome: Outcome
  name: string
  path: string
  controller: object
}

function markingOf(marking: Marking): ClassDecorator & MethodDecorator {
  if (marking === 'public') return Public()
  if (marking === 'public-global') return Public(ScopeguardGuard)
  return Public(McpGuard)
}

/** Builds the controller of one case, applying its decorators where `place` says. */
function routeController(
  name: string,
  path: string,
  row: TableRow,
  required: boolean,
  place: Place,
): object {
  const requirements: (ClassDecorator & MethodDecorator)[] = required ? [Scopes('admin')] : []
  const exemptions: (ClassDecorator & MethodDecorator)[] = [
    ...(row.marking === 'none' ? [] : [markingOf(row.marking)]),
    ...(row.guards === 'global' ? [] : [UseGuards(McpGuard)]),
  ]
  const onBase = place === 'base' ? requirements : place === 'base-public' ? exemptions : []
  const onClass = place === 'class' ? requirements : place === 'handler' ? exemptions : []
  const onHandler =
    place === 'class' || place === 'base'
      ? exemptions
      : place === 'handler' || place === 'base-public'
        ? requirements
        : [...requirements, ...exemptions]
  class Base {}
  class Route extends Base {
    handle(): { ok: boolean } {
      return { ok: true }
    }
  }
  Object.defineProperty(Route, 'name', { value: name })
  for (const decorate of onBase) decorate(Base)
  const descriptor = Object.getOwnPropertyDescriptor(Route.prototype, 'handle')!
  for (const decorate of [...onHandler, Get()]) decorate(Route.prototype, 'handle', descriptor)
  for (const decorate of [...onClass, Controller(path)]) decorate(Route)
  return Route
}

const CASES: RouteCase[] = TABLE.flatMap((row, index) =>
  [false, true].flatMap((required) =>
    PLACES.map((place) => {
      const id = `${index}-${required ? 'required' : 'plain'}-${place}`
      const name = `Row${index}${required ? 'Required' : 'Plain'}${place.replace('-', '')}Controller`
      return {
        row,
        required,
        place,
        outcome: required ? row.required : row.plain,
        name,
        path: `route/${id}`,
        controller: routeController(name, `route/${id}`, row, required, place),
      }
    }),
  ),
)

/** The status each token gets when `outcome` holds. */
function expectedStatuses(outcome: Outcome, required: boolean): Record<TokenName, number> {
  const lacking = required ? 403 : 200
  switch (outcome) {
    case 'anyone':
      return { none: 200, api: 200, mcp: 200, apiLow: 200, mcpLow: 200 }
    case 'api':
      return { none: 401, api: 200, mcp: 401, apiLow: lacking, mcpLow: 401 }
    case 'mcp':
      return { none: 401, api: 401, mcp: 200, apiLow: 401, mcpLow: lacking }
    default:
      // Both guards run, the global one first: it refuses an MCP token, McpGuard an API token.
      return { none: 401, api: 401, mcp: 401, apiLow: required ? 403 : 401, mcpLow: 401 }
  }
}

// Routes showing that requirements merge along the class hierarchy.
@Scopes('admin')
class AdminBase {}
@Controller('inherited')
@Scopes('files:write')
class InheritedController extends AdminBase {
  @Get()
  handle(): { ok: boolean } {
    return { ok: true }
  }
}
class OverriddenBase {
  @Scopes('admin')
  handle(): { ok: boolean } {
    return { ok: false }
  }
}
@Controller('overridden')
class OverridingController extends OverriddenBase {
  @Get()
  @Scopes('files:write')
  override handle(): { ok: boolean } {
    return { ok: true }
  }
}

/** Every requirement decorator, each on a handler of a @Public() controller. */
@Controller('kinds')
@Public()
class RequirementKindsController {
  @Get('any')
  @AnyScope('a', 'b')
  any(): void {}

  @Get('claim')
  @RequireClaim('tenant', 'acme')
  claim(): void {}

  @Get('step-up')
  @RequireAuthentication({ acrValues: ['mfa'] })
  stepUp(): void {}

  @Get('actor')
  @RequireActor('agent')
  actor(): void {}

  @Get('delegation')
  @RequireDelegation()
  delegation(): void {}

  @Get('no-delegation')
  @RefuseDelegation()
  noDelegation(): void {}

  @Get('open')
  open(): void {}
}

export function describeRouteSemantics(): void {
  let issuer: TestIssuer
  const tokens = {} as Record<TokenName, string | undefined>
  let apiRs: ResourceServer
  let mcpRs: ResourceServer

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: API })
    apiRs = createResourceServer({ issuer: issuer.issuer, audience: API, logger: false })
    mcpRs = createResourceServer({ issuer: issuer.issuer, audience: MCP, logger: false })
    tokens.none = undefined
    tokens.api = await issuer.sign({ aud: API, scope: 'admin' })
    tokens.mcp = await issuer.sign({ aud: MCP, scope: 'admin' })
    tokens.apiLow = await issuer.sign({ aud: API, scope: 'other' })
    tokens.mcpLow = await issuer.sign({ aud: MCP, scope: 'other' })
  })
  afterAll(async () => {
    await issuer?.close()
  })

  const mcpProviders = (): object[] => [{ provide: MCP_RESOURCE_SERVER, useValue: mcpRs }, McpGuard]

  /** The app with ScopeguardModule, which checks the routes at bootstrap. */
  function withModule(global: boolean, controllers: object[]): object {
    @Module({
      imports: [
        ScopeguardModule.forRoot({ issuer: issuer.issuer, audience: API, logger: false, global }),
      ],
      controllers: controllers as never[],
      providers: mcpProviders() as never[],
    })
    class WithModule {}
    return WithModule
  }

  /** The same guards provided without ScopeguardModule: nothing checks the routes at bootstrap. */
  function bypassingModule(global: boolean, controllers: object[]): object {
    @Module({
      controllers: controllers as never[],
      providers: [
        { provide: SCOPEGUARD_RESOURCE_SERVER, useValue: apiRs },
        { provide: SCOPEGUARD_MODULE_OPTIONS, useValue: {} },
        ScopeguardGuard,
        ...(global ? [{ provide: APP_GUARD, useExisting: ScopeguardGuard }] : []),
        ...mcpProviders(),
      ] as never[],
    })
    class BypassingModule {}
    return BypassingModule
  }

  async function bootstrapError(module: object, platform: Platform): Promise<unknown> {
    const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter()
    let app: INestApplication | undefined
    try {
      app = await NestFactory.create(module as never, adapter, {
        logger: false,
        abortOnError: false,
      })
      await app.init()
      return undefined
    } catch (error) {
      return error
    } finally {
      await app?.close().catch(() => undefined)
    }
  }

  async function statusesOf(app: RunningApp, path: string): Promise<Record<TokenName, number>> {
    const statuses = {} as Record<TokenName, number>
    for (const name of TOKENS) {
      const token = tokens[name]
      const response = await rawRequest(app.origin, {
        path: `/${path}`,
        headers: token === undefined ? [] : [['Authorization', `Bearer ${token}`]],
      })
      statuses[name] = response.status
    }
    return statuses
  }

  const isGlobal = (testCase: RouteCase): boolean => testCase.row.guards !== 'explicit'

  it('reads @UseGuards() from the metadata key this Nest version writes', () => {
    @UseGuards(McpGuard)
    class Guarded {}
    expect(Reflect.getMetadataKeys(Guarded)).toContain(GUARDS_METADATA)
    expect(Reflect.getMetadata(GUARDS_METADATA, Guarded)).toEqual([McpGuard])
  })

  for (const platform of PLATFORMS) {
    describe(`on ${platform}`, () => {
      const apps = {} as Record<
        'global' | 'perRoute' | 'globalBypass' | 'perRouteBypass',
        RunningApp
      >
      beforeAll(async () => {
        const valid = CASES.filter((testCase) => testCase.outcome !== 'error')
        const of = (cases: RouteCase[], global: boolean): object[] =>
          cases.filter((testCase) => isGlobal(testCase) === global).map((c) => c.controller)
        const inherited = [InheritedController, OverridingController]
        apps.global = await startNest(
          withModule(true, [...of(valid, true), ...inherited]),
          platform,
        )
        apps.perRoute = await startNest(withModule(false, of(valid, false)), platform)
        apps.globalBypass = await startNest(bypassingModule(true, of(CASES, true)), platform)
        apps.perRouteBypass = await startNest(bypassingModule(false, of(CASES, false)), platform)
      })
      afterAll(async () => {
        for (const app of Object.values(apps)) await app?.close()
      })

      for (const testCase of CASES) {
        const { row, required, place, outcome } = testCase
        const title = `${row.guards} guard, @Public marking ${row.marking}, ${required ? `a scope required (${place})` : `no requirement (${place})`}`
        if (outcome === 'error') {
          it(`${title}: refused at bootstrap, naming ${testCase.name}.handle`, async () => {
            const error = await bootstrapError(
              withModule(isGlobal(testCase), [testCase.controller]),
              platform,
            )
            expect(error).toBeInstanceOf(Error)
            expect((error as Error).name).toBe('ConfigurationError')
            expect((error as Error).message).toContain(`${testCase.name}.handle is @Public(`)
            expect((error as Error).message).toContain('@Scopes(admin)')
          })
          it(`${title}: with the bootstrap check bypassed, the requirements win (${row.bypassed})`, async () => {
            const app = isGlobal(testCase) ? apps.globalBypass : apps.perRouteBypass
            expect(await statusesOf(app, testCase.path)).toEqual(
              expectedStatuses(row.bypassed ?? 'nobody', required),
            )
          })
        } else {
          it(`${title}: ${outcome}`, async () => {
            const expected = expectedStatuses(outcome, required)
            const app = isGlobal(testCase) ? apps.global : apps.perRoute
            expect(await statusesOf(app, testCase.path)).toEqual(expected)
            // The guards decide the same at request time without the bootstrap check.
            const bypass = isGlobal(testCase) ? apps.globalBypass : apps.perRouteBypass
            expect(await statusesOf(bypass, testCase.path)).toEqual(expected)
          })
        }
      }

      it('merges a base class’s @Scopes with the subclass’s: both are required', async () => {
        for (const path of ['/inherited', '/overridden']) {
          const only = await rawRequest(apps.global.origin, {
            path,
            headers: [
              ['Authorization', `Bearer ${await issuer.sign({ aud: API, scope: 'files:write' })}`],
            ],
          })
          expect(only.status).toBe(403)
          const [challenge] = parseChallenges(only.headers['www-authenticate']?.[0] ?? '')
          expect(challenge?.params['scope']).toBe('admin files:write')
          const both = await rawRequest(apps.global.origin, {
            path,
            headers: [
              [
                'Authorization',
                `Bearer ${await issuer.sign({ aud: API, scope: 'admin files:write' })}`,
              ],
            ],
          })
          expect(both.status).toBe(200)
        }
      })

      it('refuses at bootstrap every kind of requirement on a @Public() route, naming each route', async () => {
        const error = await bootstrapError(withModule(true, [RequirementKindsController]), platform)
        expect((error as Error | undefined)?.name).toBe('ConfigurationError')
        const message = (error as Error).message
        for (const [handler, requirement] of [
          ['any', '@AnyScope(a b)'],
          ['claim', '@RequireClaim(tenant)'],
          ['stepUp', '@RequireAuthentication()'],
          ['actor', 'a delegation requirement'],
          ['delegation', 'a delegation requirement'],
          ['noDelegation', 'a delegation requirement'],
        ]) {
          expect(message).toContain(
            `RequirementKindsController.${handler} is @Public() but requires ${requirement}`,
          )
        }
        expect(message).not.toContain('RequirementKindsController.open')
      })
    })
  }
}
