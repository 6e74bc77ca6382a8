import { describe, expect, it } from 'vitest'
import { FlagError, parseFlags } from '../src/flags.js'

describe('parseFlags', () => {
  it('defaults to the interactive mode on free ports', () => {
    expect(parseFlags([])).toEqual({
      adapter: 'express',
      mcp: false,
      once: false,
      asPort: 0,
      apiPort: 0,
      help: false,
    })
  })
  it('reads --once and both port forms', () => {
    expect(parseFlags(['--once', '--port-as', '4000', '--port-api=4001'])).toEqual({
      adapter: 'express',
      mcp: false,
      once: true,
      asPort: 4000,
      apiPort: 4001,
      help: false,
    })
  })
  it('reads --adapter in both forms', () => {
    expect(parseFlags(['--adapter', 'koa']).adapter).toBe('koa')
    expect(parseFlags(['--adapter=passport']).adapter).toBe('passport')
  })
  it('reads --mcp', () => {
    expect(parseFlags(['--mcp', '--once'])).toMatchObject({ mcp: true, once: true })
  })
  it('reads --help and -h', () => {
    expect(parseFlags(['-h']).help).toBe(true)
    expect(parseFlags(['--help']).help).toBe(true)
  })
  it.each([
    [['--port-as']],
    [['--port-as', 'abc']],
    [['--port-api', '70000']],
    [['--port-as=-1']],
    [['--once=yes']],
    [['--nope']],
    [['--adapter', 'hapi']],
    [['--adapter']],
    [['--port-as', '4000', '--port-api', '4000']],
    [['--mcp=yes']],
    [['--mcp', '--adapter', 'koa']],
  ])('rejects %j', (argv) => {
    expect(() => parseFlags(argv)).toThrow(FlagError)
  })
})
