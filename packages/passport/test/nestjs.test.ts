import 'reflect-metadata'
import type { IncomingMessage, Server } from 'node:http'
import {
  Controller,
  Get,
  HttpException,
  Inject,
  Injectable,
  Module,
  Req,
  UnauthorizedException,
  UseGuards,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { AuthGuard, PassportStrategy } from '@nestjs/passport'
import { ExpressAdapter } from '@nestjs/platform-express'
import {
  createResourceServer,
  isOAuthError,
  type AuthInfo,
  type ResourceServer,
} from '@scopeguard/core'
import { parseChallenges } from '@scopeguard/core/primitives'
import { protect } from '@scopeguard/express'
import { createTestIssuer, rawRequest, tamper, type TestIssuer } from '@scopeguard/testing'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getAuth, getAuthError, ScopeguardStrategy } from '../src/index.js'

const AUDIENCE = 'https://files.example.test'
const RESOURCE_SERVER = 'RESOURCE_SERVER'

/** What `validate()` maps the token to: `req.user` in the controllers. */
interface User {
  id: string | undefined
  client: string | undefined
}

@Injectable()
class ScopeguardNestStrategy extends PassportStrategy(ScopeguardStrategy, 'scopeguard') {
  constructor(@Inject(RESOURCE_SERVER) rs: ResourceServer) {
    super(rs)
  }

  validate(auth: AuthInfo): User {
    if (auth.claims['suspended'] === true) throw new UnauthorizedException('suspended')
    return { id: auth.subject, client: auth.clientId }
  }
}

/**
 * The documented guard: Passport's custom-callback form (which AuthGuard uses) sends nothing, so
 * rethrow the strategy's failure with its status and JSON body. The strategy already set
 * WWW-Authenticate and Cache-Control on the response.
 */
@Injectable()
class ScopeguardAuthGuard extends AuthGuard('scopeguard') {
  override handleRequest<TUser>(
    err: unknown,
    user: TUser | false,
    _info: unknown,
    context: ExecutionContext,
  ): TUser {
    if (!err && user) return user
    const failure = isOAuthError(err)
      ? err
      : err
        ? undefined
        : getAuthError(context.switchToHttp().getRequest())
    if (failure) throw new HttpException(failure.toJSON(), failure.status)
    throw err ?? new UnauthorizedException()
  }
}

interface NestRequest extends IncomingMessage {
  user: User
}

@Controller()
class FilesController {
  @Get('files')
  @UseGuards(ScopeguardAuthGuard)
  files(@Req() req: NestRequest): Record<string, unknown> {
    return { user: req.user, scopes: getAuth(req).scopes }
  }

  @Get('default-guard')
  @UseGuards(AuthGuard('scopeguard'))
  defaultGuard(@Req() req: NestRequest): Record<string, unknown> {
    return { user: req.user }
  }
}

function moduleFor(rs: ResourceServer): new () => unknown {
  @Module({
    controllers: [FilesController],
    providers: [{ provide: RESOURCE_SERVER, useValue: rs }, ScopeguardNestStrategy],
  })
  class AppModule {}
  return AppModule
}

async function start(rs: ResourceServer): Promise<{ app: INestApplication; origin: string }> {
  const app = await NestFactory.create(moduleFor(rs), new ExpressAdapter(), { logger: false })
  await app.listen(0, '127.0.0.1')
  const address = (app.getHttpServer() as Server).address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { app, origin: `http://127.0.0.1:${port}` }
}

interface Answer {
  status: number
  challenge: string | null
  cacheControl: string | null
  contentType: string | null
  text: string
}

async function call(origin: string, path: string, authorization?: string): Promise<Answer> {
  const response = await fetch(origin + path, {
    headers: authorization === undefined ? {} : { authorization },
  })
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    cacheControl: response.headers.get('cache-control'),
    contentType: response.headers.get('content-type'),
    text: await response.text(),
  }
}

let issuer: TestIssuer
let nest: { app: INestApplication; origin: string }
let reference: { origin: string; close(): Promise<void> }

beforeAll(async () => {
  issuer = await createTestIssuer({ audience: AUDIENCE })
  const rs = createResourceServer({ issuer: issuer.issuer, audience: AUDIENCE, logger: false })
  nest = await start(rs)
  // The Express adapter, the reference every error answer must equal.
  const app = express()
  app.get('/files', protect(rs), (_req, res) => {
    res.json({ ok: true })
  })
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s))
  })
  const address = server.address()
  reference = {
    origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
})
afterAll(async () => {
  await nest?.app.close()
  await reference?.close()
  await issuer?.close()
})

describe('@nestjs/passport with PassportStrategy(ScopeguardStrategy) and AuthGuard', () => {
  it("sets req.user to validate()'s result while getAuth(req) still reads the token", async () => {
    const answer = await call(
      nest.origin,
      '/files',
      `Bearer ${await issuer.sign({ scope: 'files:read' })}`,
    )
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text)).toEqual({
      user: { id: 'user-123', client: 'client-abc' },
      scopes: ['files:read'],
    })
  })

  const failures: [string, () => Promise<string | undefined>, number][] = [
    ['no token', async () => undefined, 401],
    ['a malformed header', async () => 'Bearer a b', 400],
    ['a tampered token', async () => `Bearer ${tamper(await issuer.sign())}`, 401],
    ['an expired token', async () => `Bearer ${await issuer.sign({}, { expiresIn: -60 })}`, 401],
  ]
  for (const [label, authorization, status] of failures) {
    it(`answers ${label} with the handleRequest override exactly like @scopeguard/express`, async () => {
      const header = await authorization()
      const headers: [string, string][] = header === undefined ? [] : [['Authorization', header]]
      const [fromNest, fromExpress] = await Promise.all(
        [nest.origin, reference.origin].map((origin) =>
          rawRequest(origin, { path: '/files', headers }),
        ),
      )
      const view = (r: typeof fromNest) => ({
        status: r?.status,
        'www-authenticate': r?.headers['www-authenticate'],
        'cache-control': r?.headers['cache-control'],
        'content-type': r?.headers['content-type'],
        body: r?.body,
      })
      expect(view(fromNest)).toEqual(view(fromExpress))
      expect(fromNest?.status).toBe(status)
      const [challenge] = parseChallenges(fromNest?.headers['www-authenticate']?.[0] ?? '')
      expect(challenge?.params['realm']).toBe('api')
    })
  }

  it('renders an exception thrown by validate() the Nest way', async () => {
    const answer = await call(
      nest.origin,
      '/files',
      `Bearer ${await issuer.sign({ suspended: true })}`,
    )
    expect(answer.status).toBe(401)
    expect(JSON.parse(answer.text)).toMatchObject({ message: 'suspended', statusCode: 401 })
  })

  it('without the override, AuthGuard turns every failure into a bare 401 (why the override is needed)', async () => {
    const malformed = await call(nest.origin, '/default-guard', 'Bearer a b')
    expect(malformed.status).toBe(401)
    expect(JSON.parse(malformed.text)).toEqual({ message: 'Unauthorized', statusCode: 401 })
    // The strategy set the challenge on the response, but the status no longer matches it.
    expect(malformed.challenge).toContain('error="invalid_request"')
  })
})

describe('@nestjs/passport when the keys are unavailable', () => {
  // This app registers its strategy in the global passport instance, replacing the one above.
  it('answers 503 temporarily_unavailable through the override, without a challenge', async () => {
    const down = await createTestIssuer({ audience: AUDIENCE })
    const token = await down.sign()
    down.setFault('jwks', { status: 502 })
    const app = await start(
      createResourceServer({ issuer: down.issuer, audience: AUDIENCE, logger: false }),
    )
    try {
      const answer = await call(app.origin, '/files', `Bearer ${token}`)
      expect(answer.status).toBe(503)
      expect(answer.challenge).toBeNull()
      expect(answer.cacheControl).toBe('no-store')
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'temporarily_unavailable' })
    } finally {
      await app.app.close()
      await down.close()
    }
  })
})
