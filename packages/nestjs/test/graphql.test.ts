import type { AddressInfo } from 'node:net'
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo'
import {
  Inject,
  Module,
  UseGuards,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common'
import { APP_FILTER, NestFactory } from '@nestjs/core'
import { GraphQLModule, Query, ResolveField, Resolver } from '@nestjs/graphql'
import { ExpressAdapter } from '@nestjs/platform-express'
import { createTestIssuer, tamper, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { requireClaim } from '@scopeguard/core'
import {
  Auth,
  SCOPEGUARD_RESOURCE_SERVER,
  ScopeguardExceptionFilter,
  ScopeguardGuard,
  ScopeguardModule,
  Scopes,
  type AuthInfo,
  type ResourceServer,
} from '../src/index.js'

const AUDIENCE = 'https://files.example.test'

@Resolver()
class FilesResolver {
  constructor(@Inject(SCOPEGUARD_RESOURCE_SERVER) private readonly rs: ResourceServer) {}

  @Query('files')
  @UseGuards(ScopeguardGuard)
  @Scopes('files:read')
  files(@Auth('subject') subject: string | undefined): string[] {
    return [`${subject ?? 'nobody'}.txt`]
  }

  @Query('tenantFiles')
  @UseGuards(ScopeguardGuard)
  tenantFiles(@Auth() auth: AuthInfo): string[] {
    // A core error thrown by the resolver itself: reported through ScopeguardExceptionFilter.
    this.rs.authorize(auth, requireClaim('tenant', 'acme'))
    return ['acme.txt']
  }

  @Query('health')
  health(): string {
    return 'ok'
  }
}

interface GraphqlAnswer {
  status: number
  wwwAuthenticate: string | null
  json: {
    data?: Record<string, unknown> | null
    errors?: { message: string; extensions?: Record<string, unknown> }[]
  }
}

describe('ScopeguardGuard on GraphQL resolvers (Apollo, Express platform)', () => {
  let issuer: TestIssuer
  let app: INestApplication
  let origin: string

  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: AUDIENCE })
    @Module({
      imports: [
        ScopeguardModule.forRoot({ issuer: issuer.issuer, audience: AUDIENCE, logger: false }),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          typeDefs: 'type Query { files: [String!]!  tenantFiles: [String!]!  health: String! }',
        }),
      ],
      providers: [FilesResolver, { provide: APP_FILTER, useClass: ScopeguardExceptionFilter }],
    })
    class GraphqlAppModule {}
    app = await NestFactory.create(GraphqlAppModule, new ExpressAdapter(), {
      logger: false,
      abortOnError: false,
    })
    await app.listen(0, '127.0.0.1')
    origin = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await app?.close()
    await issuer?.close()
  })

  async function query(
    source: string,
    token?: string,
    authorization = token === undefined ? undefined : `Bearer ${token}`,
  ): Promise<GraphqlAnswer> {
    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization === undefined ? {} : { authorization }),
      },
      body: JSON.stringify({ query: source }),
    })
    return {
      status: response.status,
      wwwAuthenticate: response.headers.get('www-authenticate'),
      json: (await response.json()) as GraphqlAnswer['json'],
    }
  }

  it('answers a query without a token with an UNAUTHENTICATED error carrying the RFC 6750 code', async () => {
    const answer = await query('{ files }')
    // GraphQL over HTTP reports resolver errors in the body, with status 200.
    expect(answer.status).toBe(200)
    expect(answer.wwwAuthenticate).toBeNull()
    expect(answer.json.data).toBeNull()
    expect(answer.json.errors).toHaveLength(1)
    const [error] = answer.json.errors ?? []
    expect(error?.message).toBe('No access token was provided')
    expect(error?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      originalError: {
        statusCode: 401,
        error: 'missing_token',
        error_description: 'No access token was provided',
      },
    })
  })

  it('answers an invalid token with UNAUTHENTICATED and invalid_token', async () => {
    const answer = await query('{ files }', tamper(await issuer.sign({ scope: 'files:read' })))
    const [error] = answer.json.errors ?? []
    expect(error?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      originalError: {
        statusCode: 401,
        error: 'invalid_token',
        error_description: 'The access token signature is invalid',
      },
    })
  })

  it('answers a malformed Authorization header with BAD_REQUEST and invalid_request', async () => {
    const answer = await query('{ files }', undefined, 'Bearer a b')
    const [error] = answer.json.errors ?? []
    expect(error?.extensions).toMatchObject({
      code: 'BAD_REQUEST',
      originalError: { statusCode: 400, error: 'invalid_request' },
    })
  })

  it('answers a token without the scope with FORBIDDEN and insufficient_scope', async () => {
    const answer = await query('{ files }', await issuer.sign({ scope: 'other' }))
    expect(answer.json.data).toBeNull()
    const [error] = answer.json.errors ?? []
    expect(error?.message).toBe('The access token does not grant the scope this request requires')
    expect(error?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      originalError: { statusCode: 403, error: 'insufficient_scope' },
    })
  })

  it('resolves the query for a token with the scope, with @Auth() read from the GraphQL context', async () => {
    const answer = await query('{ files }', await issuer.sign({ scope: 'files:read' }))
    expect(answer.json.errors).toBeUndefined()
    expect(answer.json.data).toEqual({ files: ['user-123.txt'] })
  })

  it('reports a core error thrown in a resolver through ScopeguardExceptionFilter', async () => {
    const denied = await query('{ tenantFiles }', await issuer.sign({ tenant: 'globex' }))
    const [error] = denied.json.errors ?? []
    expect(error?.message).toBe("The access token's tenant claim does not allow this request")
    expect(error?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      originalError: { statusCode: 403, error: 'insufficient_scope' },
    })
    const allowed = await query('{ tenantFiles }', await issuer.sign({ tenant: 'acme' }))
    expect(allowed.json).toEqual({ data: { tenantFiles: ['acme.txt'] } })
  })

  it('leaves resolvers without the guard alone', async () => {
    const answer = await query('{ health }')
    expect(answer.json).toEqual({ data: { health: 'ok' } })
  })
})

@Resolver('Employee')
class EmployeeResolver {
  @Query('employee')
  @UseGuards(ScopeguardGuard)
  @Scopes('profile')
  employee(): { name: string } {
    return { name: 'Ada' }
  }

  @ResolveField('salary')
  @UseGuards(ScopeguardGuard)
  @Scopes('hr:admin')
  salary(@Auth('subject') subject: string | undefined): number {
    return subject === 'user-123' ? 100 : 0
  }

  @ResolveField('nickname')
  nickname(@Auth('subject') subject: string | undefined): string {
    return subject ?? 'nobody'
  }
}

describe('ScopeguardGuard on GraphQL field resolvers', () => {
  let issuer: TestIssuer
  const running: { app: INestApplication; origin: string; warnings: string[] }[] = []

  async function start(fieldResolverEnhancers: 'guards'[]): Promise<(typeof running)[number]> {
    @Module({
      imports: [
        ScopeguardModule.forRoot({ issuer: issuer.issuer, audience: AUDIENCE, logger: false }),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          typeDefs:
            'type Query { employee: Employee! }  type Employee { name: String!  salary: Int  nickname: String }',
          fieldResolverEnhancers,
        }),
      ],
      providers: [EmployeeResolver],
    })
    class EmployeeModule {}
    const warnings: string[] = []
    const logger: LoggerService = {
      log: () => undefined,
      error: () => undefined,
      warn: (message: unknown) => {
        warnings.push(String(message))
      },
    }
    const app = await NestFactory.create(EmployeeModule, new ExpressAdapter(), {
      logger,
      abortOnError: false,
    })
    await app.listen(0, '127.0.0.1')
    const origin = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`
    const started = { app, origin, warnings }
    running.push(started)
    return started
  }

  async function query(
    origin: string,
    source: string,
    scope: string,
  ): Promise<GraphqlAnswer['json']> {
    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await issuer.sign({ scope })}`,
      },
      body: JSON.stringify({ query: source }),
    })
    return (await response.json()) as GraphqlAnswer['json']
  }

  let fieldGuardsOff: (typeof running)[number]
  let fieldGuardsOn: (typeof running)[number]
  beforeAll(async () => {
    issuer = await createTestIssuer({ audience: AUDIENCE })
    fieldGuardsOff = await start([])
    fieldGuardsOn = await start(['guards'])
  })
  afterAll(async () => {
    for (const { app } of running) await app.close()
    await issuer?.close()
  })

  it('warns at bootstrap about a guarded @ResolveField while field guards are off', () => {
    const warning = fieldGuardsOff.warnings.find((message) =>
      message.includes('EmployeeResolver.salary'),
    )
    expect(warning).toMatch(/fieldResolverEnhancers: \['guards'\]/)
    // The unguarded nickname field carries no scopeguard requirement: nothing to warn about.
    expect(fieldGuardsOff.warnings.join('\n')).not.toContain('EmployeeResolver.nickname')
  })

  it('does not warn when fieldResolverEnhancers includes guards', () => {
    expect(fieldGuardsOn.warnings.join('\n')).not.toContain('@ResolveField')
  })

  it('refuses @Auth() in a field resolver the guard did not run for, instead of the parent query’s auth', async () => {
    for (const { origin } of [fieldGuardsOff, fieldGuardsOn]) {
      const answer = await query(origin, '{ employee { name nickname } }', 'profile')
      expect(answer.data).toEqual({ employee: { name: 'Ada', nickname: null } })
      expect(answer.errors).toHaveLength(1)
      expect(answer.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR')
      expect(JSON.stringify(answer.errors)).not.toContain('user-123')
    }
  })

  it('checks a field’s @Scopes with fieldResolverEnhancers: ["guards"]: FORBIDDEN without the scope', async () => {
    const answer = await query(fieldGuardsOn.origin, '{ employee { name salary } }', 'profile')
    expect(answer.data).toEqual({ employee: { name: 'Ada', salary: null } })
    const [error] = answer.errors ?? []
    expect(error?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      originalError: { statusCode: 403, error: 'insufficient_scope' },
    })
  })

  it('resolves the guarded field, with @Auth() for it, when the token has the scope', async () => {
    const answer = await query(
      fieldGuardsOn.origin,
      '{ employee { name salary } }',
      'profile hr:admin',
    )
    expect(answer).toEqual({ data: { employee: { name: 'Ada', salary: 100 } } })
  })
})
