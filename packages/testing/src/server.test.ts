import { Agent, get } from 'node:http'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestIssuer, type TestIssuer } from './test-issuer.js'

const running: TestIssuer[] = []
async function start(): Promise<TestIssuer> {
  const issuer = await createTestIssuer()
  running.push(issuer)
  return issuer
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((issuer) => issuer.close()))
})

/** Polls for something the server does in the background; the bound (10 s) only catches a hang. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  expect(condition()).toBe(true)
}

function verifyWithRemoteJwks(issuer: TestIssuer, token: string, timeoutDuration = 5000) {
  return jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri), { timeoutDuration }), {
    issuer: issuer.issuer,
    audience: issuer.audience,
  })
}

describe('request counting', () => {
  it('counts requests per endpoint until reset', async () => {
    const issuer = await start()
    await fetch(issuer.jwksUri)
    await fetch(issuer.jwksUri)
    await fetch(issuer.metadataUrls.oauth)
    await fetch(issuer.metadataUrls.openid)
    await fetch(`${issuer.origin}/unknown`)
    expect(issuer.requestCount('jwks')).toBe(2)
    expect(issuer.requestCount('metadata')).toBe(2)
    expect(issuer.requestCount('all')).toBe(5)
    issuer.resetCounts()
    expect(issuer.requestCount('jwks')).toBe(0)
    expect(issuer.requestCount('metadata')).toBe(0)
    expect(issuer.requestCount('all')).toBe(0)
    await fetch(issuer.jwksUri)
    expect(issuer.requestCount('jwks')).toBe(1)
  })

  it('shows that a cached remote JWKS fetches once for many verifications', async () => {
    const issuer = await start()
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri))
    for (let i = 0; i < 3; i += 1) {
      await jwtVerify(await issuer.sign(), jwks, { issuer: issuer.issuer })
    }
    expect(issuer.requestCount('jwks')).toBe(1)
  })
})

describe('faults', () => {
  it('answers with an injected status until the fault is cleared', async () => {
    const issuer = await start()
    issuer.setFault('jwks', { status: 500 })
    const failed = await fetch(issuer.jwksUri)
    expect(failed.status).toBe(500)
    expect(await failed.text()).toBe('')
    await expect(verifyWithRemoteJwks(issuer, await issuer.sign())).rejects.toThrow()
    expect((await fetch(issuer.metadataUrls.oauth)).status).toBe(200)

    issuer.setFault('jwks', undefined)
    expect((await fetch(issuer.jwksUri)).status).toBe(200)
    await expect(verifyWithRemoteJwks(issuer, await issuer.sign())).resolves.toBeDefined()
  })

  it('serves a garbage body as JSON with status 200 by default', async () => {
    const issuer = await start()
    issuer.setFault('metadata', { body: '{"issuer": ' })
    for (const url of [issuer.metadataUrls.oauth, issuer.metadataUrls.openid]) {
      const response = await fetch(url)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('application/json')
      await expect(response.json()).rejects.toThrow(SyntaxError)
    }
    issuer.setFault('jwks', { body: 'not json' })
    await expect(verifyWithRemoteJwks(issuer, await issuer.sign())).rejects.toThrow()
  })

  it('uses the given status, body and content type', async () => {
    const issuer = await start()
    issuer.setFault('jwks', { status: 503, body: '<html>down</html>', contentType: 'text/html' })
    const response = await fetch(issuer.jwksUri)
    expect(response.status).toBe(503)
    expect(response.headers.get('content-type')).toBe('text/html')
    expect(await response.text()).toBe('<html>down</html>')
  })

  it('delays the normal response with delayMs alone', async () => {
    const issuer = await start()
    issuer.setFault('jwks', { delayMs: 300 })
    const started = performance.now()
    const response = await fetch(issuer.jwksUri)
    expect(performance.now() - started).toBeGreaterThanOrEqual(250)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { keys: unknown[] }).keys).toHaveLength(3)
  })

  it('makes a client with a short timeout give up', async () => {
    const issuer = await start()
    issuer.setFault('jwks', { delayMs: 2000 })
    await expect(verifyWithRemoteJwks(issuer, await issuer.sign(), 100)).rejects.toMatchObject({
      code: 'ERR_JWKS_TIMEOUT',
    })
  })

  it('destroys the socket without a response', async () => {
    const issuer = await start()
    issuer.setFault('metadata', { destroySocket: true })
    await expect(fetch(issuer.metadataUrls.oauth)).rejects.toThrow(TypeError)
    issuer.setFault('jwks', { destroySocket: true, delayMs: 50 })
    await expect(fetch(issuer.jwksUri)).rejects.toThrow(TypeError)
    expect(issuer.requestCount('jwks')).toBe(1)
    issuer.setFault('metadata', undefined)
    expect((await fetch(issuer.metadataUrls.oauth)).status).toBe(200)
  })

  it('faults one endpoint without touching the other', async () => {
    const issuer = await start()
    issuer.setFault('metadata', { status: 404 })
    expect((await fetch(issuer.metadataUrls.openid)).status).toBe(404)
    expect((await fetch(issuer.jwksUri)).status).toBe(200)
  })
})

describe('close', () => {
  it('resolves with an idle keep-alive connection open, closing it', async () => {
    const issuer = await createTestIssuer()
    const agent = new Agent({ keepAlive: true })
    try {
      const body = await new Promise<string>((resolve, reject) => {
        get(issuer.jwksUri, { agent }, (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (text += chunk))
          res.on('end', () => resolve(text))
        }).on('error', reject)
      })
      expect(JSON.parse(body)).toHaveProperty('keys')
      const idle = Object.values(agent.freeSockets).flat()
      expect(idle).toHaveLength(1)
      const closed = new Promise((resolve) => idle[0]?.once('close', resolve))
      // A close that waited for the connection to time out would show as this test's timeout.
      await issuer.close()
      await closed
    } finally {
      agent.destroy()
    }
  })

  it('resolves while a delayed request is in flight, without waiting for it, failing it', async () => {
    const issuer = await createTestIssuer()
    // Delayed far beyond the test's timeout: a close that waited for it would time the test out.
    issuer.setFault('jwks', { delayMs: 120_000 })
    const pending = fetch(issuer.jwksUri)
    await until(() => issuer.requestCount('jwks') === 1)
    await issuer.close()
    await expect(pending).rejects.toThrow(TypeError)
  })

  it('can be called twice and refuses connections afterwards', async () => {
    const issuer = await createTestIssuer()
    await Promise.all([issuer.close(), issuer.close()])
    await expect(issuer.close()).resolves.toBeUndefined()
    await expect(fetch(issuer.jwksUri)).rejects.toThrow(TypeError)
  })
})
