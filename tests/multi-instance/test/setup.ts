import { createResourceServer, type ResourceServer } from '@scopeguard/core'
import { createRedisStore } from '@scopeguard/redis'
import { createTestIssuer, type TestIssuer } from '@scopeguard/testing'
import { Redis, type Cluster } from 'ioredis'
import { beforeAll, beforeEach } from 'vitest'
import { startInstance, type ExampleName, type Instance } from './example-process.js'
import type { SharedRedis } from './redis.js'

export const AUDIENCE = 'https://api.multi-instance.test'
/** The origin clients use: the load balancer in front of the instances. */
export const PUBLIC_ORIGIN = 'https://api.multi-instance.test'
/** This API's client at the test issuer, for introspection. */
export const CLIENT = { clientId: 'multi-instance-api', clientSecret: 'multi-instance-secret-0123' }

export function issuerFor(): Promise<TestIssuer> {
  return createTestIssuer({ audience: AUDIENCE, clients: [CLIENT] })
}

/** The examples contract's environment of one instance of the API. */
export function contractEnv(
  issuer: TestIssuer,
  extra: { redisUrl?: string; publicOrigin?: string; env?: Record<string, string> } = {},
): Record<string, string> {
  return {
    OAUTH_ISSUER: issuer.issuer,
    OAUTH_AUDIENCE: AUDIENCE,
    OAUTH_CLIENT_ID: CLIENT.clientId,
    OAUTH_CLIENT_SECRET: CLIENT.clientSecret,
    ...(extra.redisUrl ? { REDIS_URL: extra.redisUrl } : {}),
    ...(extra.publicOrigin ? { PUBLIC_ORIGIN: extra.publicOrigin } : {}),
    ...extra.env,
  }
}

/** Starts instances in parallel (each its own process, all with the same environment). */
export async function startInstances(
  specs: readonly { example: ExampleName; label: string }[],
  env: Record<string, string>,
): Promise<Instance[]> {
  const settled = await Promise.allSettled(
    specs.map(({ example, label }) => startInstance(example, label, env)),
  )
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failure = settled.find((s) => s.status === 'rejected')
  if (failure !== undefined) {
    await Promise.all(started.map((instance) => instance.stop()))
    throw (failure as PromiseRejectedResult).reason
  }
  return started
}

/**
 * A resource server in the test process on the same Redis and key prefix as the examples (the
 * examples use the store's default prefix): an operator's tool, or another service of the same
 * API, that calls `rs.revoke()`. The examples themselves expose no revocation route.
 * @param redis `REDIS_URL`, or a {@link SharedRedis} (a single node or a cluster)
 */
export async function revocationConsole(
  issuer: TestIssuer,
  redis: string | SharedRedis,
): Promise<{ rs: ResourceServer; close(): void }> {
  let client: Redis | Cluster
  if (typeof redis === 'string') {
    client = new Redis(redis, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    })
    client.on('error', () => {})
    await client.connect()
  } else {
    client = await redis.connect()
  }
  const rs = createResourceServer({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    revocation: true,
    store: createRedisStore({ client }),
    logger: false,
  })
  return { rs, close: () => client.disconnect() }
}

/**
 * Runs a describe block's setup once before its tests. When it fails (no Redis, an example that
 * does not start), every test of the block fails with that error: none is skipped.
 */
export function setUpOrFailEach(setup: () => Promise<void>): void {
  let failed = false
  let failure: unknown
  beforeAll(async () => {
    try {
      await setup()
    } catch (error) {
      failed = true
      failure = error
    }
  })
  beforeEach(() => {
    if (failed) throw failure
  })
}
