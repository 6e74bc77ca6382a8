// Every contender of the benchmark: the same protected route (`GET /files`, answering the token's
// `sub` as JSON) behind each library, configured for one algorithm, the same issuer, JWKS URI and
// audience. Each factory imports its own libraries so that a contender process loads only them.
import type { Server } from 'node:http'

/** What a contender is configured with. */
export interface ContenderConfig {
  issuer: string
  jwksUri: string
  introspectionEndpoint: string
  audience: string
  alg: string
  /** scopeguard only: the verified-token cache option (`undefined` for the default). */
  cache?: false | { maxEntries?: number; maxTtlSeconds?: number }
}

export interface ContenderInfo {
  /** Label in the tables. */
  label: string
  /** `express` or `koa`: which bare framework it is compared with. */
  framework: 'express' | 'koa'
  /** Ours, a peer library, a hand-written middleware, a bare framework, or a floor. */
  kind: 'bare' | 'scopeguard' | 'peer' | 'thin' | 'floor'
  /**
   * The contender whose CPU per request this one is judged against on a repeated token: its
   * framework with one no-op middleware (guard, strategy) in the same place as the auth.
   */
  floor?: string
  /** The factory: starts the server on a free loopback port. */
  start(config: ContenderConfig): Promise<Server>
}

function listen(app: {
  listen(port: number, host: string, cb: () => void): Server
}): Promise<Server> {
  return new Promise((resolve) => {
    const server: Server = app.listen(0, '127.0.0.1', () => resolve(server))
  })
}

const unauthorized = { error: 'invalid_token', error_description: 'The access token is invalid' }

/** The cheap route of the event-loop scenario, unprotected, in every Express contender. */
const HEALTH = '/health'

/**
 * An Express 5 app as every Express contender starts: no `X-Powered-By`, no `ETag`, and
 * `GET /health` (unprotected) before anything else.
 */
async function expressApp(): Promise<import('express').Express> {
  const { default: express } = await import('express')
  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  app.get(HEALTH, (_req, res) => {
    res.json({ ok: true })
  })
  return app
}

/** The bearer token of an Authorization header, or undefined. */
function bearer(header: string | undefined): string | undefined {
  return header !== undefined && header.startsWith('Bearer ') ? header.slice(7) : undefined
}

/** The fast-jwt contenders: get-jwks for keys (its LRU of PEMs), fast-jwt's own token cache or none. */
async function fastJwtExpress(config: ContenderConfig, cache: boolean): Promise<Server> {
  const { createVerifier } = await import('fast-jwt')
  const { default: buildGetJwks } = await import('get-jwks')
  const getJwks = buildGetJwks({ jwksPath: new URL(config.jwksUri).pathname })
  const verifyToken = createVerifier({
    key: async ({ header }: { header: { kid?: string; alg?: string } }) =>
      getJwks.getPublicKey({
        domain: config.issuer,
        ...(header.kid === undefined ? {} : { kid: header.kid }),
        ...(header.alg === undefined ? {} : { alg: header.alg }),
      }),
    algorithms: [config.alg as 'RS256'],
    allowedIss: config.issuer,
    allowedAud: config.audience,
    cache,
  })
  const app = await expressApp()
  app.get(
    '/files',
    (req, res, next) => {
      const token = bearer(req.headers.authorization)
      const fail = (): void => {
        res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json(unauthorized)
      }
      if (token === undefined) return fail()
      ;(verifyToken(token) as Promise<{ sub?: string }>).then((payload) => {
        ;(req as unknown as { auth: unknown }).auth = payload
        next()
      }, fail)
    },
    (req, res) => {
      res.json({ sub: (req as unknown as { auth: { sub?: string } }).auth.sub })
    },
  )
  return listen(app)
}

/** jwks-rsa's key caching and rate limit, the same for every jwks-rsa contender. */
function jwksRsaOptions(config: ContenderConfig) {
  return { jwksUri: config.jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }
}

/** The error handler of the Express peers: their error's status, with the 401 body. */
function peerErrors(
  err: { status?: number },
  _req: unknown,
  res: import('express').Response,
  _next: unknown,
): void {
  res.status(err.status ?? 500).json(unauthorized)
}

async function scopeguardServer(config: ContenderConfig, introspect = false) {
  const { createResourceServer } = await import('@scopeguard/core')
  return createResourceServer({
    issuer: config.issuer,
    audience: config.audience,
    jwksUri: config.jwksUri,
    algorithms: [config.alg],
    logger: false,
    ...(config.cache === undefined ? {} : { cache: config.cache }),
    ...(introspect
      ? {
          introspection: {
            endpoint: config.introspectionEndpoint,
            clientId: 'bench',
            clientSecret: 'bench-secret',
          },
        }
      : {}),
  })
}

async function scopeguardExpress(config: ContenderConfig, introspect = false): Promise<Server> {
  const { protect, getAuth } = await import('@scopeguard/express')
  const rs = await scopeguardServer(config, introspect)
  const app = await expressApp()
  app.get('/files', protect(rs), (req, res) => {
    res.json({ sub: getAuth(req).subject })
  })
  return listen(app)
}

export const CONTENDERS: Record<string, ContenderInfo> = {
  'bare-express': {
    label: 'bare Express 5 (no auth)',
    framework: 'express',
    kind: 'bare',
    async start() {
      const app = await expressApp()
      app.get('/files', (_req, res) => {
        res.json({ sub: 'anonymous' })
      })
      return listen(app)
    },
  },
  'bare-express-middleware': {
    label: 'bare Express 5 + one no-op middleware (no auth)',
    framework: 'express',
    kind: 'bare',
    async start() {
      const app = await expressApp()
      // The floor of any auth middleware: one more router layer, which sets req.auth and calls next().
      app.get(
        '/files',
        (req, _res, next) => {
          ;(req as unknown as { auth: unknown }).auth = { sub: 'anonymous' }
          next()
        },
        (req, res) => {
          res.json({ sub: (req as unknown as { auth: { sub: string } }).auth.sub })
        },
      )
      return listen(app)
    },
  },
  'bare-koa': {
    label: 'bare Koa 3 (no auth)',
    framework: 'koa',
    kind: 'bare',
    async start() {
      const { default: Koa } = await import('koa')
      const app = new Koa()
      app.use((ctx) => {
        if (ctx.path !== '/files') return
        ctx.body = { sub: 'anonymous' }
      })
      return listen(app)
    },
  },
  'bare-koa-middleware': {
    label: 'bare Koa 3 + one no-op middleware (no auth)',
    framework: 'koa',
    kind: 'bare',
    async start() {
      const { default: Koa } = await import('koa')
      const app = new Koa()
      // As the Koa auth contenders: the path filter, one middleware setting the auth, the route.
      app.use(async (ctx, next) => {
        if (ctx.path === '/files') await next()
      })
      app.use(async (ctx, next) => {
        ctx.state.auth = { sub: 'anonymous' }
        await next()
      })
      app.use((ctx) => {
        ctx.body = { sub: (ctx.state.auth as { sub: string }).sub }
      })
      return listen(app)
    },
  },
  'bare-nest': {
    label: 'bare NestJS (Express platform, no auth)',
    framework: 'express',
    kind: 'bare',
    async start() {
      const { startBareNest } = await import('./nest-app.js')
      return startBareNest(false)
    },
  },
  'bare-nest-guard': {
    label: 'bare NestJS + one no-op global guard (no auth)',
    framework: 'express',
    kind: 'bare',
    async start() {
      const { startBareNest } = await import('./nest-app.js')
      return startBareNest(true)
    },
  },
  'bare-passport': {
    label: 'bare Passport + one no-op strategy (on Express, no auth)',
    framework: 'express',
    kind: 'bare',
    async start() {
      const { default: passport } = await import('passport')
      // The floor of any Passport strategy: Passport's per-request strategy copy and success().
      passport.use('noop', {
        authenticate(this: { success(user: unknown): void }) {
          this.success({ sub: 'anonymous' })
        },
      } as unknown as import('passport').Strategy)
      const app = await expressApp()
      app.use(passport.initialize())
      app.get('/files', passport.authenticate('noop', { session: false }), (req, res) => {
        res.json({ sub: (req.user as { sub: string }).sub })
      })
      return listen(app)
    },
  },
  'crypto-express': {
    label: 'hand-written synchronous node:crypto middleware (Express; the floor)',
    framework: 'express',
    kind: 'floor',
    async start(config) {
      const { createFloorVerifier } = await import('./floor.js')
      const verify = await createFloorVerifier(config)
      const app = await expressApp()
      app.get(
        '/files',
        (req, res, next) => {
          const token = bearer(req.headers.authorization)
          const payload = token === undefined ? undefined : verify(token)
          if (payload === undefined) {
            res
              .status(401)
              .set('WWW-Authenticate', 'Bearer error="invalid_token"')
              .json(unauthorized)
            return
          }
          ;(req as unknown as { auth: unknown }).auth = payload
          next()
        },
        (req, res) => {
          res.json({ sub: (req as unknown as { auth: { sub?: string } }).auth.sub })
        },
      )
      return listen(app)
    },
  },
  'crypto-koa': {
    label: 'hand-written synchronous node:crypto middleware (Koa; the floor)',
    framework: 'koa',
    kind: 'floor',
    async start(config) {
      const { default: Koa } = await import('koa')
      const { createFloorVerifier } = await import('./floor.js')
      const verify = await createFloorVerifier(config)
      const app = new Koa()
      app.use(async (ctx, next) => {
        if (ctx.path === '/files') await next()
      })
      app.use(async (ctx, next) => {
        const header = ctx.headers.authorization
        const token = bearer(header)
        const payload = token === undefined ? undefined : verify(token)
        if (payload === undefined) {
          ctx.status = 401
          ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"')
          ctx.body = unauthorized
          return
        }
        ctx.state.auth = payload
        await next()
      })
      app.use((ctx) => {
        ctx.body = { sub: (ctx.state.auth as { sub?: string }).sub }
      })
      return listen(app)
    },
  },
  'scopeguard-express': {
    label: '@scopeguard/express',
    framework: 'express',
    kind: 'scopeguard',
    floor: 'bare-express-middleware',
    start: (config) => scopeguardExpress(config),
  },
  'scopeguard-express-opaque': {
    label: '@scopeguard/express, opaque token (introspection)',
    framework: 'express',
    kind: 'scopeguard',
    start: (config) => scopeguardExpress(config, true),
  },
  'scopeguard-koa': {
    label: '@scopeguard/koa',
    framework: 'koa',
    kind: 'scopeguard',
    floor: 'bare-koa-middleware',
    async start(config) {
      const { default: Koa } = await import('koa')
      const { protect, getAuth } = await import('@scopeguard/koa')
      const rs = await scopeguardServer(config)
      const app = new Koa()
      app.use(async (ctx, next) => {
        if (ctx.path === '/files') await next()
      })
      app.use(protect(rs))
      app.use((ctx) => {
        ctx.body = { sub: getAuth(ctx).subject }
      })
      return listen(app)
    },
  },
  'scopeguard-nestjs': {
    label: '@scopeguard/nestjs (Express platform)',
    framework: 'express',
    kind: 'scopeguard',
    floor: 'bare-nest-guard',
    async start(config) {
      const { startNest } = await import('./nest-app.js')
      return startNest(config)
    },
  },
  'scopeguard-passport': {
    label: '@scopeguard/passport (on Express)',
    framework: 'express',
    kind: 'scopeguard',
    floor: 'bare-passport',
    async start(config) {
      const { default: passport } = await import('passport')
      const { ScopeguardStrategy, getAuth } = await import('@scopeguard/passport')
      passport.use(new ScopeguardStrategy(await scopeguardServer(config)))
      const app = await expressApp()
      app.use(passport.initialize())
      app.get('/files', passport.authenticate('scopeguard', { session: false }), (req, res) => {
        res.json({ sub: getAuth(req).subject })
      })
      return listen(app)
    },
  },
  'jose-express': {
    label: 'hand-written jose middleware (Express)',
    framework: 'express',
    kind: 'thin',
    async start(config) {
      const { createRemoteJWKSet, jwtVerify } = await import('jose')
      const jwks = createRemoteJWKSet(new URL(config.jwksUri))
      const options = { issuer: config.issuer, audience: config.audience, algorithms: [config.alg] }
      const app = await expressApp()
      app.get(
        '/files',
        (req, res, next) => {
          const header = req.headers.authorization
          const fail = (): void => {
            res
              .status(401)
              .set('WWW-Authenticate', 'Bearer error="invalid_token"')
              .json(unauthorized)
          }
          if (header === undefined || !header.startsWith('Bearer ')) return fail()
          jwtVerify(header.slice(7), jwks, options).then(({ payload }) => {
            ;(req as unknown as { auth: unknown }).auth = payload
            next()
          }, fail)
        },
        (req, res) => {
          res.json({ sub: (req as unknown as { auth: { sub?: string } }).auth.sub })
        },
      )
      return listen(app)
    },
  },
  'jose-koa': {
    label: 'hand-written jose middleware (Koa)',
    framework: 'koa',
    kind: 'thin',
    async start(config) {
      const { default: Koa } = await import('koa')
      const { createRemoteJWKSet, jwtVerify } = await import('jose')
      const jwks = createRemoteJWKSet(new URL(config.jwksUri))
      const options = { issuer: config.issuer, audience: config.audience, algorithms: [config.alg] }
      const app = new Koa()
      app.use(async (ctx, next) => {
        if (ctx.path !== '/files') return
        const header = ctx.get('authorization')
        let payload
        try {
          if (!header.startsWith('Bearer ')) throw new Error('no token')
          ;({ payload } = await jwtVerify(header.slice(7), jwks, options))
        } catch {
          ctx.status = 401
          ctx.set('WWW-Authenticate', 'Bearer error="invalid_token"')
          ctx.body = unauthorized
          return
        }
        ctx.state.auth = payload
        await next()
      })
      app.use((ctx) => {
        ctx.body = { sub: (ctx.state.auth as { sub?: string }).sub }
      })
      return listen(app)
    },
  },
  'fast-jwt': {
    label: 'fast-jwt + get-jwks, its token cache on',
    framework: 'express',
    kind: 'peer',
    start: (config) => fastJwtExpress(config, true),
  },
  'fast-jwt-no-cache': {
    label: 'fast-jwt + get-jwks, no token cache',
    framework: 'express',
    kind: 'peer',
    start: (config) => fastJwtExpress(config, false),
  },
  'express-oauth2-jwt-bearer': {
    label: 'express-oauth2-jwt-bearer',
    framework: 'express',
    kind: 'peer',
    async start(config) {
      const { auth } = await import('express-oauth2-jwt-bearer')
      const app = await expressApp()
      app.get(
        '/files',
        auth({
          issuer: config.issuer,
          jwksUri: config.jwksUri,
          audience: config.audience,
          tokenSigningAlg: config.alg,
        }),
        (req, res) => {
          res.json({
            sub: (req as unknown as { auth?: { payload: { sub?: string } } }).auth?.payload.sub,
          })
        },
      )
      app.use(peerErrors)
      return listen(app)
    },
  },
  'express-jwt': {
    label: 'express-jwt + jwks-rsa',
    framework: 'express',
    kind: 'peer',
    async start(config) {
      const { expressjwt } = await import('express-jwt')
      const { default: jwksRsa } = await import('jwks-rsa')
      const app = await expressApp()
      app.get(
        '/files',
        expressjwt({
          secret: jwksRsa.expressJwtSecret(jwksRsaOptions(config)) as never,
          issuer: config.issuer,
          audience: config.audience,
          algorithms: [config.alg as 'RS256'],
        }),
        (req, res) => {
          res.json({ sub: (req as unknown as { auth?: { sub?: string } }).auth?.sub })
        },
      )
      app.use(peerErrors)
      return listen(app)
    },
  },
  'passport-jwt': {
    label: 'passport-jwt + jwks-rsa',
    framework: 'express',
    kind: 'peer',
    async start(config) {
      const { default: passport } = await import('passport')
      const { Strategy, ExtractJwt } = await import('passport-jwt')
      const { default: jwksRsa } = await import('jwks-rsa')
      passport.use(
        new Strategy(
          {
            jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
            secretOrKeyProvider: jwksRsa.passportJwtSecret(jwksRsaOptions(config)),
            issuer: config.issuer,
            audience: config.audience,
            algorithms: [config.alg as 'RS256'],
          },
          (payload: unknown, done: (error: unknown, user: unknown) => void) => done(null, payload),
        ),
      )
      const app = await expressApp()
      app.use(passport.initialize())
      app.get('/files', passport.authenticate('jwt', { session: false }), (req, res) => {
        res.json({ sub: (req.user as { sub?: string }).sub })
      })
      return listen(app)
    },
  },
  'koa-jwt': {
    label: 'koa-jwt + jwks-rsa',
    framework: 'koa',
    kind: 'peer',
    async start(config) {
      const { default: Koa } = await import('koa')
      const { default: jwt } = await import('koa-jwt')
      const { default: jwksRsa } = await import('jwks-rsa')
      const app = new Koa()
      app.use(async (ctx, next) => {
        if (ctx.path === '/files') await next()
      })
      app.use(
        jwt({
          secret: jwksRsa.koaJwtSecret(jwksRsaOptions(config)) as never,
          issuer: config.issuer,
          audience: config.audience,
          algorithms: [config.alg],
        }),
      )
      app.use((ctx) => {
        ctx.body = { sub: (ctx.state.user as { sub?: string }).sub }
      })
      return listen(app)
    },
  },
}
