import { bold, cyan, dim } from './paint.js'
import { formatJson, shortenAuthorization, shortenToken } from './token-text.js'

export interface DemoRequest {
  readonly method: 'GET' | 'POST'
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as application/x-www-form-urlencoded. */
  readonly form?: Readonly<Record<string, string>>
  /** Sent as application/json. */
  readonly json?: unknown
}

export interface DemoResponse {
  readonly status: number
  readonly statusText: string
  readonly wwwAuthenticate: string | null
  readonly contentType: string | null
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  readonly body: unknown
  readonly text: string
}

const indent = (text: string): string => text.replace(/^(?=.)/gm, '    ')

function prepare(request: DemoRequest): { headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = { ...request.headers }
  if (request.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
    return { headers, body: new URLSearchParams(request.form).toString() }
  }
  if (request.json !== undefined) {
    headers['Content-Type'] = 'application/json'
    return { headers, body: JSON.stringify(request.json) }
  }
  return { headers }
}

function printRequest(request: DemoRequest, headers: Record<string, string>): void {
  console.log(`  ${bold(`${request.method} ${request.url}`)}`)
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    const shown =
      lower === 'authorization'
        ? shortenAuthorization(value)
        : lower === 'dpop'
          ? shortenToken(value)
          : value
    console.log(`    ${cyan(name)}: ${shown}`)
  }
  if (request.form) {
    const fields = Object.entries(request.form).map(([k, v]) => `${k}=${v}`)
    console.log(dim(indent(fields.join('\n'))))
  }
  if (request.json !== undefined) console.log(dim(indent(formatJson(request.json))))
}

function printResponse(response: DemoResponse): void {
  console.log(`  ${bold(`← ${response.status} ${response.statusText}`)}`)
  if (response.wwwAuthenticate) {
    console.log(`    ${cyan('WWW-Authenticate')}: ${response.wwwAuthenticate}`)
  }
  if (response.body !== undefined) console.log(indent(formatJson(response.body)))
  else if (response.text) console.log(indent(response.text.slice(0, 500)))
}

/** Sends one request, printing the request line, relevant headers, status and body. */
export async function exchange(request: DemoRequest): Promise<DemoResponse> {
  const { headers, body } = prepare(request)
  printRequest(request, headers)
  const res = await fetch(request.url, {
    method: request.method,
    headers,
    body,
    signal: AbortSignal.timeout(10_000),
  })
  const text = await res.text()
  const contentType = res.headers.get('content-type')
  let parsed: unknown
  if (contentType?.includes('json') && text) {
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = undefined
    }
  }
  const response: DemoResponse = {
    status: res.status,
    statusText: res.statusText,
    wwwAuthenticate: res.headers.get('www-authenticate'),
    contentType,
    body: parsed,
    text,
  }
  printResponse(response)
  return response
}
