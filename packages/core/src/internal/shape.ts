import { ConfigurationError } from '../errors.js'
import { closestName } from './closest-name.js'

/**
 * Checks the shape (not the meaning) of one option value, named by its path in the options
 * (`issuers[1].audience`). Only called for values that are not `undefined`.
 * @throws ConfigurationError naming the path, what it must be and what it got
 */
export type ShapeCheck = (value: unknown, path: string) => void

/** Options whose values are never quoted in messages. */
const SENSITIVE = new Set(['secret', 'clientSecret', 'privateKey'])

/** What a value is, for messages: `[]`, `an array`, `5`, `"abc"`, `a function`… */
export function describeValue(value: unknown, path = ''): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return value.length === 0 ? '[]' : 'an array'
  switch (typeof value) {
    case 'string': {
      const key = path.slice(path.lastIndexOf('.') + 1)
      if (SENSITIVE.has(key) || value.length > 80) return 'a string'
      return JSON.stringify(value)
    }
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value)
    case 'function':
      return 'a function'
    case 'object':
      return value instanceof Uint8Array ? 'a Uint8Array' : 'an object'
    default:
      return `a ${typeof value}`
  }
}

function refuse(path: string, expected: string, value: unknown): never {
  throw new ConfigurationError(`${path} must be ${expected}, got ${describeValue(value, path)}`)
}

/** A check with what it expects, and whether a value is of its kind (its contents aside). */
interface DescribedCheck extends ShapeCheck {
  expected: string
  accepts: (value: unknown) => boolean
}

function described(
  check: ShapeCheck,
  expected: string,
  accepts: (value: unknown) => boolean,
): DescribedCheck {
  return Object.assign(check, { expected, accepts })
}

/** Builds a check from a predicate and a description of what passes. */
export function shape(expected: string, test: (value: unknown) => boolean): ShapeCheck {
  return described(
    (value, path) => {
      if (!test(value)) refuse(path, expected, value)
    },
    expected,
    test,
  )
}

function expectedOf(check: ShapeCheck): string {
  return (check as Partial<DescribedCheck>).expected ?? 'something else'
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

export const text = shape('a string', (v) => typeof v === 'string')
export const flag = shape('a boolean (true or false)', (v) => typeof v === 'boolean')
export const count = shape('a number', (v) => typeof v === 'number' && !Number.isNaN(v))
export const callback = shape('a function', (v) => typeof v === 'function')
export const object = shape('an object', isPlainObject)

/**
 * One of several shapes, e.g. a string or an array of strings. A value of one alternative's kind
 * (an object, for an options object) is checked by that alternative, so that a wrong member is
 * named; any other value is refused with every alternative listed.
 */
export function either(...checks: ShapeCheck[]): ShapeCheck {
  const expected = checks.map(expectedOf).join(' or ')
  const accepts = (value: unknown): boolean =>
    checks.some((check) => (check as Partial<DescribedCheck>).accepts?.(value) === true)
  return described(
    (value, path) => {
      const match = checks.find((check) => (check as Partial<DescribedCheck>).accepts?.(value))
      if (match === undefined) refuse(path, expected, value)
      match(value, path)
    },
    expected,
    accepts,
  )
}

/** An exact value, e.g. `false`. */
export function exactly(literal: string | number | boolean): ShapeCheck {
  return shape(JSON.stringify(literal), (value) => value === literal)
}

/** An array whose items each pass `item`; an item that does not is named by its index. */
export function arrayOf(
  item: ShapeCheck,
  expected = `an array of ${expectedOf(item).replace(/^an? /, '')}s`,
): ShapeCheck {
  const check: ShapeCheck = (value, path) => {
    if (!Array.isArray(value)) refuse(path, expected, value)
    value.forEach((element: unknown, index) => item(element, `${path}[${index}]`))
  }
  return described(check, expected, Array.isArray)
}

/** An object with any keys whose values each pass `entry`. */
export function recordOf(entry: ShapeCheck): ShapeCheck {
  const check: ShapeCheck = (value, path) => {
    if (!isPlainObject(value)) refuse(path, 'an object', value)
    for (const [key, element] of Object.entries(value)) entry(element, `${path}.${key}`)
  }
  return described(check, 'an object', isPlainObject)
}

/**
 * Checks an options object against a table of its known keys: an unknown key is refused, naming
 * the closest known one; every defined value is checked by its key's shape.
 */
export function checkKeys(
  value: Record<string, unknown>,
  table: Readonly<Record<string, ShapeCheck>>,
  prefix: string,
): void {
  const known = Object.keys(table)
  for (const [key, element] of Object.entries(value)) {
    const path = prefix === '' ? key : `${prefix}.${key}`
    const check = Object.hasOwn(table, key) ? table[key] : undefined
    if (check === undefined) {
      const suggestion = closestName(key, known)
      throw new ConfigurationError(
        `unknown option "${path}"${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}`,
      )
    }
    if (element !== undefined) check(element, path)
  }
}

/** An options object whose keys are those of `table` (see {@link checkKeys}). */
export function objectOf(table: Readonly<Record<string, ShapeCheck>>): ShapeCheck {
  const check: ShapeCheck = (value, path) => {
    if (!isPlainObject(value)) refuse(path, `an object (${Object.keys(table).join(', ')})`, value)
    checkKeys(value, table, path)
  }
  return described(check, `an object (${Object.keys(table).join(', ')})`, isPlainObject)
}
