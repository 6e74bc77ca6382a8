import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawRequest } from './raw-request.js'

let server: Server
let origin: string

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('X-Seen', 'a')
    res.appendHeader('X-Seen', 'b')
    if (req.url === '/chunked') {
      res.write('hello ')
      res.end('world')
      return
    }
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () =>
      res.end(
        JSON.stringify({ raw: req.rawHeaders, method: req.method, body, version: req.httpVersion }),
      ),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

describe('rawRequest', () => {
  it('sends repeated headers exactly as given', async () => {
    const response = await rawRequest(origin, {
      headers: [
        ['Authorization', 'Bearer a'],
        ['authorization', 'Bearer b'],
      ],
    })
    expect(response.status).toBe(200)
    const { raw } = JSON.parse(response.body) as { raw: string[] }
    expect(
      raw.filter((_, i) => i % 2 === 1 && raw[i - 1]?.toLowerCase() === 'authorization'),
    ).toEqual(['Bearer a', 'Bearer b'])
  })

  it('sends an HTTP/1.0 request without a Host header', async () => {
    const response = await rawRequest(origin, { httpVersion: '1.0', omitHost: true })
    expect(response.status).toBe(200)
    const { raw, version } = JSON.parse(response.body) as { raw: string[]; version: string }
    expect(version).toBe('1.0')
    expect(raw.map((name) => name.toLowerCase())).not.toContain('host')
  })

  it('keeps every value of a repeated response header and sends a body', async () => {
    const response = await rawRequest(origin, { method: 'POST', body: 'x=1' })
    expect(response.headers['x-seen']).toEqual(['a', 'b'])
    expect(JSON.parse(response.body)).toMatchObject({ method: 'POST', body: 'x=1' })
  })

  it('decodes a chunked response body', async () => {
    const response = await rawRequest(origin, { path: '/chunked' })
    expect(response.body).toBe('hello world')
  })
})
