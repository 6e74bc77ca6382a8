// The feature-interaction matrix (issue 12): the seams between caches, stores, issuer modes,
// token formats and sender constraints, as HTTP cases every adapter runs with its own framework.
// The table is store (the default memory store, a small one under a flood, one shared by two
// instances) × issuer mode (single issuer, several issuers, resolved tenants) × token (JWT,
// opaque through real introspection) × scheme (Bearer, DPoP, certificate-bound over mutual TLS),
// and each hole fixed in the core gets its case wherever it applies:
//  1. tenants of one issuer share no verifier, keys or cache entries, in either order of first use;
//  2. security state (replay markers, the denylist, registered clients) survives a flood of cached
//     answers, and a full state area answers 503 instead of evicting;
//  3. an introspection answer is reused for at most maxTtlSeconds from when it was obtained, and a
//     denylist entry outlives exp + clockTolerance;
//  4. denylist keys are unambiguous (issuer, jti) pairs, and revoke() refuses an unknown issuer;
//  5. allowedClients (a list, or the registry in the store), on every request, cached or not.
// Every refusal is checked exactly (status, `error`, the challenge of the scheme used, the reason
// reported in events), so the answers are the same in every adapter by construction. Imported by
// relative path by the tests of @scopeguard/express, koa, nestjs and passport, and by
// tests/nestjs-11; the requests, deployments and assertions are in interaction-harness.ts.
import { randomUUID } from 'node:crypto'
import { createMemoryStore, type ResourceServerOptions } from '@scopeguard/core'
import { DEFAULT_CLIENT_ID } from '@scopeguard/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  CAPACITY,
  closeWorld,
  createWorld,
  deploy,
  expectAccepted,
  expectRefused,
  flood,
  HOUR_MS,
  introspection,
  ISSUER_MODES,
  junkToken,
  MAIN_TENANT,
  label,
  matrix,
  mint,
  present,
  prodIssuer,
  PROD_TENANT,
  PUBLIC_ORIGIN,
  refused,
  replayed,
  revoke,
  storeFull,
  FLOOD,
  TENANT_HEADER,
  type Deployment,
  type IssuerMode,
  type Row,
  type StartInteractionApp,
  type World,
} from './interaction-harness.js'

export { AUDIENCE, serveTls } from './interaction-harness.js'
export type { StartInteractionApp } from './interaction-harness.js'

/**
 * Runs the interaction matrix against apps built by `start` (see {@link StartInteractionApp}).
 */
export function describeInteractionCases(adapter: string, start: StartInteractionApp): void {
  describe(`${adapter}: features in combination through HTTP (issue 12)`, () => {
    const world = {} as World

    beforeAll(async () => {
      Object.assign(world, await createWorld())
    }, 30_000)
    afterAll(async () => {
      await closeWorld(world)
    })

    describeTenantIsolation(world, start)
    for (const mode of ISSUER_MODES) describeDefaultStore(world, start, mode)
    for (const mode of ISSUER_MODES) describeFlood(world, start, mode)
    for (const mode of ISSUER_MODES) describeSharedStore(world, start, mode)
  })
}

/** Hole 1: tenants of one issuer, with different audiences or key sources, share nothing. */
function describeTenantIsolation(world: World, start: StartInteractionApp): void {
  describe('resolved tenants of one issuer, default memory store: no shared verifier, keys or cache entries', () => {
    let deployment: Deployment
    beforeAll(async () => {
      deployment = await deploy(start, world, 'resolved tenants', {})
    })
    afterAll(async () => {
      await deployment?.app.close()
    })

    let next = 0
    for (const row of matrix(['resolved tenants'])) {
      for (const order of [
        ['a', 'b'],
        ['b', 'a'],
      ] as const) {
        const id = `isolation-${++next}`
        it(`${label(row)}: first use ${order.join(' then ')}: each tenant accepts its own tokens (twice: cached) and refuses the other's`, async () => {
          const audience = { a: `https://a.${id}.example.test`, b: `https://b.${id}.example.test` }
          const tokens = { a: '', b: '' }
          for (const tenant of ['a', 'b'] as const) {
            deployment.tenants.set(`${id}-${tenant}`, {
              issuer: world.main.issuer,
              audience: audience[tenant],
              jwksUri: world.main.jwksUri,
              introspection: introspection(world),
            })
            tokens[tenant] = await mint(world, row, { aud: audience[tenant] })
          }
          for (const tenant of order) {
            for (let i = 0; i < 2; i++) {
              const outcome = await present(world, deployment, row, tokens[tenant], {
                tenant: `${id}-${tenant}`,
              })
              expectAccepted(deployment, row, outcome, { audience: [audience[tenant]] })
            }
          }
          for (const [token, tenant] of [
            [tokens.a, 'b'],
            [tokens.b, 'a'],
          ] as const) {
            const outcome = await present(world, deployment, row, token, {
              tenant: `${id}-${tenant}`,
            })
            expectRefused(deployment, row, token, outcome, refused('audience_mismatch'))
          }
        })
      }

      const id = `forged-${++next}`
      it(`${label(row)}: a tenant naming the same issuer with its own key source, used first, vouches for nothing on the genuine tenant`, async () => {
        const audience = `https://${id}.example.test`
        const genuine = `${id}-genuine`
        const forging = `${id}-forging`
        deployment.tenants.set(genuine, {
          issuer: world.main.issuer,
          audience,
          jwksUri: world.main.jwksUri,
          introspection: introspection(world),
        })
        deployment.tenants.set(forging, {
          issuer: world.main.issuer,
          audience,
          ...(row.kind === 'JWT'
            ? { jwksUri: world.attacker.jwksUri }
            : { introspection: introspection(world, world.attacker) }),
        })
        // The attacker's issuer vouches for a token naming the main issuer and the genuine audience.
        const forged = await mint(
          world,
          row,
          { iss: world.main.issuer, aud: audience },
          world.attacker,
        )
        const real = await mint(world, row, { aud: audience }, world.main)
        const wrongKey = row.kind === 'JWT' ? 'no_matching_key' : 'inactive'
        expectAccepted(
          deployment,
          row,
          await present(world, deployment, row, forged, { tenant: forging }),
        )
        for (const [token, tenant] of [
          [forged, genuine],
          [real, forging],
        ] as const) {
          const outcome = await present(world, deployment, row, token, { tenant })
          expectRefused(deployment, row, token, outcome, refused(wrongKey))
        }
        expectAccepted(
          deployment,
          row,
          await present(world, deployment, row, real, { tenant: genuine }),
        )
      })
    }
  })
}

/** Holes 4 and 5 on the default store: allowed clients, and unambiguous denylist keys. */
function describeDefaultStore(world: World, start: StartInteractionApp, mode: IssuerMode): void {
  describe(`${mode}, default memory store: allowed clients and the denylist's keys`, () => {
    let deployment: Deployment
    beforeAll(async () => {
      deployment = await deploy(start, world, mode, {
        allowedClients: [DEFAULT_CLIENT_ID, 'app-1'],
      })
    })
    afterAll(async () => {
      await deployment?.app.close()
    })

    let next = 0
    for (const row of matrix([mode])) {
      const n = ++next
      it(`${label(row)}: allowedClients — app-1 (client_id, or azp) is accepted; app-2, and no client, get 401 invalid_token`, async () => {
        for (const claims of [{ client_id: 'app-1' }, { client_id: undefined, azp: 'app-1' }]) {
          const token = await mint(world, row, claims)
          for (let i = 0; i < 2; i++) {
            const outcome = await present(world, deployment, row, token)
            expectAccepted(deployment, row, outcome, { clientId: 'app-1' })
          }
        }
        for (const claims of [{ client_id: 'app-2' }, { client_id: undefined }]) {
          const token = await mint(world, row, claims)
          const outcome = await present(world, deployment, row, token)
          expectRefused(deployment, row, token, outcome, refused('client_not_allowed'))
          if (row.scheme !== 'Bearer') continue
          // verifyToken is the same door
          const request = {
            method: 'GET',
            url: '/files',
            headers: { [TENANT_HEADER]: MAIN_TENANT },
          }
          await expect(deployment.rs.verifyToken(token, 'header', request)).rejects.toMatchObject({
            status: 401,
            code: 'invalid_token',
            reason: 'client_not_allowed',
          })
        }
      })

      it(`${label(row)}: revokeClient refuses a token the verified-token cache holds, at once`, async () => {
        const clientId = `app-listed-${n}`
        const token = await mint(world, row, { client_id: clientId })
        const first = await present(world, deployment, row, token)
        expectRefused(deployment, row, token, first, refused('client_not_allowed'))
        await deployment.rs.registerClient(clientId)
        for (let i = 0; i < 2; i++) {
          const outcome = await present(world, deployment, row, token)
          expectAccepted(deployment, row, outcome, { clientId })
        }
        await deployment.rs.revokeClient(clientId)
        const after = await present(world, deployment, row, token)
        expectRefused(deployment, row, token, after, refused('client_not_allowed'))
      })

      if (mode === 'single issuer') continue
      it(`${label(row)}: the denylist keys (issuer, jti) pairs: revoking (\${main}:prod, x) spares (\${main}, prod:x)`, async () => {
        const expiresAt = new Date(Date.now() + HOUR_MS)
        const main = world.main.issuer
        await deployment.rs.revoke({ jti: `x${n}`, issuer: prodIssuer(world), expiresAt })
        await deployment.rs.revoke({ jti: `prod:y${n}`, issuer: main, expiresAt })
        const spared = await mint(world, row, { jti: `prod:x${n}` }, world.main)
        for (let i = 0; i < 2; i++) {
          const outcome = await present(world, deployment, row, spared)
          expectAccepted(deployment, row, outcome, { issuer: main })
        }
        const revokedHere = await mint(world, row, { jti: `prod:y${n}` }, world.main)
        const outcome = await present(world, deployment, row, revokedHere)
        expectRefused(deployment, row, revokedHere, outcome, refused('revoked'))
        if (row.kind === 'JWT') {
          // the issuer ${main}:prod has the main issuer's keys and no introspection
          const revokedThere = await mint(
            world,
            row,
            { iss: prodIssuer(world), jti: `x${n}` },
            world.main,
          )
          const there = await present(world, deployment, row, revokedThere, { tenant: PROD_TENANT })
          expectRefused(deployment, row, revokedThere, there, refused('revoked'))
        }
      })
    }

    if (mode !== 'resolved tenants') {
      it(`${mode}: revoke() refuses an issuer that is not configured`, async () => {
        await expect(
          deployment.rs.revoke({
            jti: 'x',
            issuer: 'https://elsewhere.example.test',
            expiresAt: new Date(Date.now() + HOUR_MS),
          }),
        ).rejects.toThrow(/not configured/)
      })
    }
  })
}

/** Hole 2: a flood of cached answers evicts no security state; a full state area fails closed. */
function describeFlood(world: World, start: StartInteractionApp, mode: IssuerMode): void {
  describe(`${mode}, a memory store of capacity ${CAPACITY} under a flood of ${FLOOD} junk tokens`, () => {
    let deployment: Deployment
    /** State entries written so far: registrations, denylist entries, replay markers. */
    let live = 0
    const revoked = new Map<string, string>()
    const captured = new Map<string, { token: string; proof: string }>()
    const floodOutcomes = new Map<string, number>()
    const rows = matrix([mode])

    async function accepted(row: Row, token: string, proof?: string): Promise<void> {
      const outcome = await present(
        world,
        deployment,
        row,
        token,
        proof === undefined ? {} : { proof },
      )
      expectAccepted(deployment, row, outcome)
      if (row.scheme === 'DPoP') live++
    }

    beforeAll(async () => {
      const store = createMemoryStore({ maxEntries: CAPACITY, maxStateEntries: CAPACITY })
      deployment = await deploy(start, world, mode, { store, allowedClients: 'registry' })
      await deployment.rs.registerClient(DEFAULT_CLIENT_ID)
      live++
      for (const row of rows) {
        // Seen (and cached) before it is revoked.
        const jti = randomUUID()
        const token = await mint(world, row, { jti })
        await accepted(row, token)
        await revoke(world, deployment, row, token, jti)
        live++
        revoked.set(label(row), token)
        if (row.scheme === 'DPoP') {
          const bound = await mint(world, row)
          const proof = await world.key.proof('GET', `${PUBLIC_ORIGIN}/files`, bound)
          await accepted(row, bound, proof)
          captured.set(label(row), { token: bound, proof })
        }
      }
      const outcomes = await flood(world, deployment, FLOOD)
      for (const outcome of outcomes) {
        floodOutcomes.set(outcome, (floodOutcomes.get(outcome) ?? 0) + 1)
      }
    }, 120_000)
    afterAll(async () => {
      await deployment?.app.close()
    })

    it('answers every junk token 401 invalid_token (never a 5xx), its inactive answer cached until the flood evicts it', async () => {
      expect(Object.fromEntries(floodOutcomes)).toEqual({ '401 invalid_token': FLOOD })
      const junkRow: Row = { mode, kind: 'opaque', scheme: 'Bearer' }
      // the newest answer is served from the store; the oldest was evicted and is asked for again
      for (const [i, asked] of [
        [FLOOD - 1, 0],
        [0, 1],
      ] as const) {
        const before = world.main.requestCount('introspection')
        const outcome = await present(world, deployment, junkRow, junkToken(i))
        expectRefused(deployment, junkRow, junkToken(i), outcome, refused('inactive'))
        expect(world.main.requestCount('introspection') - before).toBe(asked)
      }
    })

    for (const row of rows) {
      it(`${label(row)}: a revoked token is still refused after the flood`, async () => {
        const token = revoked.get(label(row)) as string
        const outcome = await present(world, deployment, row, token)
        expectRefused(deployment, row, token, outcome, refused('revoked'))
      })
      if (row.scheme === 'DPoP') {
        it(`${label(row)}: a used proof is still refused as a replay after the flood`, async () => {
          const { token, proof } = captured.get(label(row)) as { token: string; proof: string }
          const outcome = await present(world, deployment, row, token, { proof })
          expectRefused(deployment, row, token, outcome, replayed)
        })
      }
      it(`${label(row)}: the registered client's tokens are still accepted after the flood`, async () => {
        await accepted(row, await mint(world, row))
      })
    }

    it('with the state area full: new DPoP proofs get 503, revoke() and registerClient() throw, and nothing live is evicted', async () => {
      const row: Row = { mode, kind: 'JWT', scheme: 'DPoP' }
      const token = await mint(world, row)
      let room = 0
      let outcome = await present(world, deployment, row, token)
      while (outcome.status === 200 && room < CAPACITY) {
        room++
        outcome = await present(world, deployment, row, token)
      }
      expect(room).toBe(CAPACITY - live)
      live = CAPACITY
      for (let i = 0; i < 3; i++) {
        expectRefused(deployment, row, token, outcome, storeFull)
        outcome = await present(world, deployment, row, token)
      }
      await expect(
        deployment.rs.revoke({ token, expiresAt: new Date(Date.now() + HOUR_MS) }),
      ).rejects.toThrow(/maxStateEntries/)
      await expect(deployment.rs.registerClient('late-client')).rejects.toThrow(/maxStateEntries/)
      for (const each of rows) {
        const revokedToken = revoked.get(label(each)) as string
        const again = await present(world, deployment, each, revokedToken)
        expectRefused(deployment, each, revokedToken, again, refused('revoked'))
        const replay = captured.get(label(each))
        if (replay !== undefined) {
          const repeated = await present(world, deployment, each, replay.token, {
            proof: replay.proof,
          })
          expectRefused(deployment, each, replay.token, repeated, replayed)
        }
        if (each.scheme !== 'DPoP') {
          // needs no new state: the registration is still there
          await accepted(each, await mint(world, each))
        }
      }
    })
  })
}

/** Hole 3 and the registry across instances: two resource servers behind one store. */
function describeSharedStore(world: World, start: StartInteractionApp, mode: IssuerMode): void {
  describe(`${mode}, two instances sharing one memory store`, () => {
    /** The instances' clock: the real time unless a case sets it. */
    let frozen: number | undefined
    const now = (): number => frozen ?? Date.now()
    let one: Deployment
    let two: Deployment

    beforeAll(async () => {
      const shared: Partial<ResourceServerOptions> = {
        store: createMemoryStore({ now }),
        now,
        clockTolerance: 30,
        allowedClients: 'registry',
        // proofs carry the real iat while cases move the instances' clock up to ~6 minutes on
        dpop: { policy: 'allowed', maxProofAge: 900 },
      }
      one = await deploy(start, world, mode, shared)
      two = await deploy(start, world, mode, shared)
      await one.rs.registerClient(DEFAULT_CLIENT_ID)
    })
    beforeEach(() => {
      frozen = undefined
    })
    afterAll(async () => {
      await Promise.all([one?.app.close(), two?.app.close()])
    })

    for (const row of matrix([mode], ['opaque'])) {
      it(`${label(row)}: an introspection answer is reused for at most maxTtlSeconds (300) from when it was obtained, whichever instance reads it`, async () => {
        const start = Date.now()
        frozen = start
        const token = await mint(world, row)
        world.main.resetCounts()
        expectAccepted(one, row, await present(world, one, row, token))
        expect(world.main.requestCount('introspection')).toBe(1)
        frozen = start + 290_000
        // the second instance reads the answer from the store, then from its own cache
        for (let i = 0; i < 2; i++) expectAccepted(two, row, await present(world, two, row, token))
        expect(world.main.requestCount('introspection')).toBe(1)
        world.main.revoke(token)
        frozen = start + 301_000
        for (const instance of [two, one]) {
          const outcome = await present(world, instance, row, token)
          expectRefused(instance, row, token, outcome, refused('inactive'))
        }
        expect(world.main.requestCount('introspection')).toBe(2)
      })
    }

    let next = 0
    for (const row of matrix([mode])) {
      const n = ++next
      it(`${label(row)}: a revocation on one instance refuses the token on both, cached or not, until exp + clockTolerance`, async () => {
        const exp = Math.floor(Date.now() / 1000) + 60
        const jti = randomUUID()
        const token = await mint(world, row, { exp, jti })
        for (const instance of [one, two]) {
          expectAccepted(instance, row, await present(world, instance, row, token))
        }
        await revoke(world, one, row, token, jti, new Date(exp * 1000))
        for (const after of [0, 59, 61, 89]) {
          frozen = (exp - 60 + after) * 1000
          for (const instance of [two, one]) {
            const outcome = await present(world, instance, row, token)
            expectRefused(instance, row, token, outcome, refused('revoked'))
          }
        }
        frozen = (exp + 31) * 1000
        for (const instance of [two, one]) {
          const outcome = await present(world, instance, row, token)
          expectRefused(instance, row, token, outcome, refused('expired'))
        }
      })

      it(`${label(row)}: registerClient and revokeClient on one instance take effect on the other at once, cached or not`, async () => {
        const clientId = `app-registry-${n}`
        const token = await mint(world, row, { client_id: clientId })
        for (const instance of [one, two]) {
          const outcome = await present(world, instance, row, token)
          expectRefused(instance, row, token, outcome, refused('client_not_allowed'))
        }
        await one.rs.registerClient(clientId)
        for (const instance of [two, two, one]) {
          expectAccepted(instance, row, await present(world, instance, row, token), { clientId })
        }
        await one.rs.revokeClient(clientId)
        for (const instance of [two, one]) {
          const outcome = await present(world, instance, row, token)
          expectRefused(instance, row, token, outcome, refused('client_not_allowed'))
        }
      })
    }
  })
}
