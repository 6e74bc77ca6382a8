// Blocks marked <!-- readme-test: run --> are full servers: each is started as written (with the
// test issuer in place of the placeholder issuer and audience) and answers 401 without a token,
// 200 with one granting its scopes, and 403 (insufficient_scope) to a POST with read scopes only.
import { createTestIssuer, DEFAULT_SUBJECT, type TestIssuer } from '@scopeguard/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeBlocks } from '../src/markdown.js'
import { readmes } from '../src/readmes.js'
import { runBlock } from '../src/run.js'

const runnable = readmes().flatMap((readme) =>
  codeBlocks(readme.text, readme.path)
    .filter((block) => block.directive.kind === 'run')
    .map((block) => [`${readme.path}:${block.line}`, readme.name, block] as const),
)

let issuer: TestIssuer
beforeAll(async () => {
  issuer = await createTestIssuer()
})
afterAll(() => issuer?.close())

it('starts the quick start of every adapter README', () => {
  console.log(`run blocks:\n  ${runnable.map(([where]) => where).join('\n  ')}`)
  const names = new Set(runnable.map(([, name]) => name))
  expect([...names].sort()).toEqual(['express', 'fastify', 'hono', 'koa', 'nestjs', 'passport'])
})

describe.each(runnable)('%s', (_where, name, block) => {
  it('answers 401, 200 and 403 against the test issuer', async () => {
    const server = await runBlock(name, block, issuer.issuer, issuer.audience as string)
    try {
      const url = `${server.origin}/files`
      const token = async (scope: string): Promise<Record<string, string>> => ({
        authorization: `Bearer ${await issuer.sign({}, { scope })}`,
      })
      const anonymous = await fetch(url)
      expect(anonymous.status, server.output()).toBe(401)
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/)

      const ok = await fetch(url, { headers: await token('files files:read') })
      expect(ok.status, server.output()).toBe(200)
      expect(await ok.json()).toEqual({ owner: DEFAULT_SUBJECT })

      const write = await fetch(url, {
        method: 'POST',
        headers: { ...(await token('files files:read')), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'a' }),
      })
      expect(write.status).toBe(403)
      expect(write.headers.get('www-authenticate')).toContain('error="insufficient_scope"')
    } finally {
      await server.stop()
    }
  })
})
