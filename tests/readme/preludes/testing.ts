// Identifiers of packages/testing/README.md's fragments (which are written as vitest tests).
import type { RequestListener } from 'node:http'
import type * as https_ from 'node:https'
import type * as testing from '@scopeguard/testing'
import type * as vitest from 'vitest'

declare global {
  const createTestIssuer: typeof testing.createTestIssuer
  const createTestCertificate: typeof testing.createTestCertificate
  const createTestDpopKey: typeof testing.createTestDpopKey
  const generateTestKey: typeof testing.generateTestKey
  const rawRequest: typeof testing.rawRequest
  const tamper: typeof testing.tamper
  const issuer: testing.TestIssuer
  const https: typeof https_
  const app: RequestListener
  const origin: string
  const token: string
  const thumbprint: string
  const expect: typeof vitest.expect
}
