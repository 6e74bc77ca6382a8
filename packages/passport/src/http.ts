import type { IncomingMessage, ServerResponse } from 'node:http'

/** Express's `next`: call it with nothing to continue, or with an error. */
export type NextFunction = (error?: unknown) => void

/**
 * The request as Passport hands it to a strategy: Node's request, with what Express (4 or 5) adds
 * when it is there.
 */
export interface PassportRequest extends IncomingMessage {
  /** Express's original URL (before mounting), used for the query token. */
  originalUrl?: string
  /** Express's scheme, honouring `trust proxy` (for DPoP's `htu`). */
  protocol?: string
  /** The parsed body, when a body parser ran (for RFC 6750 §2.2 form tokens). */
  body?: unknown
  /** The response, which Express links from the request. */
  res?: ServerResponse
}

/** The response methods scopeguard uses: Node's response plus Express's `status` and `json`. */
export interface JsonResponse extends ServerResponse {
  status(code: number): unknown
  json(body: unknown): unknown
}

/** Route middleware, assignable to Express 4 and 5 `RequestHandler`s. */
export type Middleware = (req: IncomingMessage, res: JsonResponse, next: NextFunction) => void

/** Error middleware (four parameters), assignable to Express's `ErrorRequestHandler`. */
export type ErrorMiddleware = (
  error: unknown,
  req: IncomingMessage,
  res: JsonResponse,
  next: NextFunction,
) => void
