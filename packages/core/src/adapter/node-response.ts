/** The slice of a Node.js `ServerResponse` that {@link writeNodeResponse} uses. */
export interface NodeResponse {
  statusCode: number
  setHeader(name: string, value: string): unknown
  end(body?: string): unknown
}

/** A complete answer: a status, headers and an optional body already serialized. */
export interface NodeAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string | undefined
}

/**
 * Writes a complete answer on a Node.js response, e.g. a `createResourceMetadataRoute()` answer
 * in a framework whose middleware gets Node's response.
 */
export function writeNodeResponse(res: NodeResponse, answer: NodeAnswer): void {
  res.statusCode = answer.status
  for (const name in answer.headers) res.setHeader(name, answer.headers[name] as string)
  res.end(answer.body)
}
