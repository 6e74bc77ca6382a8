/**
 * The requests behind each documented response row. A row is found by its first cell, verbatim:
 * a row whose text is not listed here fails the test (so a new or reworded row gets requests),
 * and every situation a row names is sent (each must get the documented answer).
 */
import { createTestDpopKey, tamper, type TestIssuer } from '@scopeguard/testing'
import type { ServerKind } from './servers.js'

/** One request of a row. */
export interface Probe {
  /** What the request stands for, in the row's words. */
  readonly label: string
  readonly server: ServerKind
  readonly method: string
  readonly path: string
  readonly headers: [string, string][]
  /** Send it once before (a replay), expecting nothing in particular. */
  readonly sendTwice?: boolean
}

/** Builds the probes of a row, given the issuer and each server's origin. */
export type Scenario = (
  issuer: TestIssuer,
  origin: (kind: ServerKind) => string,
) => Promise<Probe[]>

const get = (label: string, headers: [string, string][], path = '/files'): Probe => ({
  label,
  server: 'default',
  method: 'GET',
  path,
  headers,
})
const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`]

const noToken: Scenario = async () => [get('no token', [])]
const otherScheme: Scenario = async () => [
  get('no token', []),
  get('Basic', [['Authorization', 'Basic dXNlcjpwYXNz']]),
]

const invalidRequest: Scenario = async (issuer) => {
  const token = await issuer.sign({}, { scope: 'files:read' })
  return [
    get('Bearer a b', [['Authorization', 'Bearer a b']]),
    get('two Authorization headers', [bearer(token), bearer(token)]),
    get('token in header and query', [bearer(token)], `/files?access_token=${token}`),
  ]
}

const invalidToken: Scenario = async (issuer) => [
  get('expired', [bearer(await issuer.sign({}, { scope: 'files:read', expiresIn: -600 }))]),
  get('tampered', [bearer(tamper(await issuer.sign({}, { scope: 'files:read' })))]),
  get('wrong issuer', [
    bearer(await issuer.sign({ iss: 'https://other.example' }, { scope: 'files:read' })),
  ]),
  get('wrong audience', [
    bearer(await issuer.sign({ aud: 'https://other.example' }, { scope: 'files:read' })),
  ]),
]

const missingScope: Scenario = async (issuer) => [
  {
    label: 'POST /files with files:read only',
    server: 'default',
    method: 'POST',
    path: '/files',
    headers: [bearer(await issuer.sign({}, { scope: 'files:read' }))],
  },
]

const now = (): number => Math.floor(Date.now() / 1000)

const stepUp: Scenario = async (issuer) => [
  get('no acr', [bearer(await issuer.sign({}, { scope: 'account:read' }))], '/account'),
  get(
    'login too old',
    [
      bearer(
        await issuer.sign({ acr: 'urn:mfa', auth_time: now() - 3600 }, { scope: 'account:read' }),
      ),
    ],
    '/account',
  ),
]

const delegation: Scenario = async (issuer) => [
  get(
    'delegated token where refused',
    [
      bearer(
        await issuer.sign(
          { acr: 'urn:mfa', auth_time: now(), act: { sub: 'reports-service' } },
          { scope: 'account:read' },
        ),
      ),
    ],
    '/account',
  ),
  get('the wrong actor', [bearer(await issuer.sign({ act: { sub: 'someone-else' } }))], '/reports'),
]

const dpopProof: Scenario = async (issuer, origin) => {
  const key = await createTestDpopKey()
  const token = await issuer.sign({ cnf: { jkt: key.jkt } }, { scope: 'files:read' })
  const url = `${origin('default')}/files`
  const other = await issuer.sign({ cnf: { jkt: key.jkt } }, { scope: 'files:read' })
  const dpop = (proof: string): [string, string][] => [
    ['Authorization', `DPoP ${token}`],
    ['DPoP', proof],
  ]
  return [
    get('proof missing', [['Authorization', `DPoP ${token}`]]),
    get('proof malformed', dpop('not-a-jwt')),
    get('proof for another method', dpop(await key.proof('POST', url, token))),
    get('proof for another URL', dpop(await key.proof('GET', `${url}/other`, token))),
    get('proof for another token', dpop(await key.proof('GET', url, other))),
    { ...get('proof replayed', dpop(await key.proof('GET', url, token))), sendTwice: true },
  ]
}

const dpopAsBearer: Scenario = async (issuer) => {
  const key = await createTestDpopKey()
  return [get('DPoP-bound token as Bearer', [bearer(await issuer.sign({ cnf: { jkt: key.jkt } }))])]
}

const dpopNonce: Scenario = async (issuer, origin) => {
  const key = await createTestDpopKey()
  const token = await issuer.sign({ cnf: { jkt: key.jkt } }, { scope: 'files:read' })
  const proof = await key.proof('GET', `${origin('nonce')}/files`, token)
  return [{ ...get('no nonce', Object.entries(key.headers(token, proof))), server: 'nonce' }]
}

const keysDown: Scenario = async (issuer) => [
  {
    ...get('keys unreachable', [bearer(await issuer.sign({}, { scope: 'files:read' }))]),
    server: 'down',
  },
]

/** Each documented row's first cell, verbatim, and its requests. */
export const SCENARIOS: ReadonlyMap<string, Scenario> = new Map([
  ['no token', noToken],
  ['no token (or `Basic …`)', otherScheme],
  ['malformed header, two `Authorization` headers, token in two places', invalidRequest],
  ['`Bearer a b`, two `Authorization` headers, token in header and query', invalidRequest],
  ['expired, tampered, wrong issuer or audience', invalidToken],
  ['expired, tampered, wrong issuer/audience', invalidToken],
  ['expired, tampered, wrong issuer or audience, refused by `verify`', invalidToken],
  ['missing scope', missingScope],
  ['missing scope, failed claim requirement', missingScope],
  ['missing scope or failed claim requirement (`requireScope`…)', missingScope],
  ['valid token, user authentication too weak or too old (step-up)', stepUp],
  ['delegated token where refused, or the wrong actor', delegation],
  [
    'DPoP proof missing, malformed, for another method, URL or token, too old, or replayed',
    dpopProof,
  ],
  ['DPoP-bound token sent as Bearer', dpopAsBearer],
  ['DPoP nonce required and missing or stale (with `DPoP-Nonce: …`)', dpopNonce],
  ['authorization server keys unreachable, nothing cached', keysDown],
  ['JWKS endpoint down, nothing cached', keysDown],
])
