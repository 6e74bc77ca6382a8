import { fileURLToPath } from 'node:url'

/** One example server implementing the examples contract. Adding an adapter is one line here. */
export interface AdapterUnderTest {
  name: string
  /** The example's compiled entry point, started with `node`. */
  server: string
}

const example = (name: string): AdapterUnderTest => ({
  name,
  server: fileURLToPath(new URL(`../../../examples/${name}/dist/server.js`, import.meta.url)),
})

/** The matrix: every adapter answers every case, identically. */
export const ADAPTERS: readonly AdapterUnderTest[] = [
  example('express'),
  example('koa'),
  example('nestjs'),
  example('passport'),
  example('fastify'),
  example('hono'),
]
