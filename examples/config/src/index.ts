export { readConfig } from './read-config.js'
export type { ExampleConfig, RedisNode } from './read-config.js'
export { connectShared } from './shared.js'
export type { SharedState, SharedStateOptions } from './shared.js'
