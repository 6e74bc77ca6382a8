import { parseChallenges } from '@scopeguard/core'
import { rawRequest, type RawResponse } from '@scopeguard/testing'

/** A response with its JSON body (or text) and its Bearer challenge's parameters, if any. */
export interface Answer extends RawResponse {
  json: unknown
  challenge: Record<string, string> | undefined
}

/** Sends one request (`GET` unless said otherwise) and parses what came back. */
export async function call(
  origin: string,
  path: string,
  options: { method?: string; headers?: [string, string][] } = {},
): Promise<Answer> {
  const response = await rawRequest(origin, {
    method: options.method ?? 'GET',
    path,
    headers: options.headers ?? [],
  })
  let json: unknown
  try {
    json = JSON.parse(response.body)
  } catch {
    json = undefined
  }
  const bearer = (response.headers['www-authenticate'] ?? [])
    .flatMap((value) => parseChallenges(value))
    .find((challenge) => challenge.scheme.toLowerCase() === 'bearer')
  return { ...response, json, challenge: bearer?.params }
}

export const bearer = (token: string): [string, string][] => [['Authorization', `Bearer ${token}`]]
