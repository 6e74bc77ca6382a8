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
  /** Ours, a peer library, or a bare framework. */
  kind: 'bare' | 'scopeguard' | 'peer' | 'thin'
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

/** An Express 5 app as every Express contender starts: no `X-Powered-By`, no `ETag`. */
async function expressApp(): Promise<import('express').Express> {
  const { default: express } = await import('express')
  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  return app
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
  'scopeguard-express': {
    label: '@scopeguard/express',
    framework: 'express',
    kind: 'scopeguard',
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
    async start(config) {
      const { startNest } = await import('./nest-app.js')
      return startNest(config)
    },
  },
  'scopeguard-passport': {
    label: '@scopeguard/passport (on Express)',
    framework: 'express',
    kind: 'scopeguard',
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
