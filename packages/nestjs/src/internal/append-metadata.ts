/**
 * A class or method decorator that adds values to a metadata list instead of replacing it, so
 * that `@Scopes('a') @Scopes('b')` on one handler requires both (`SetMetadata` would silently keep
 * only one). Values keep their source order.
 */
export function appendMetadata<T>(
  key: string,
  values: readonly T[],
): ClassDecorator & MethodDecorator {
  const decorator = (
    target: object,
    _property?: string | symbol,
    descriptor?: TypedPropertyDescriptor<unknown>,
  ): void => {
    const holder = (descriptor?.value ?? target) as object
    const previous = (Reflect.getOwnMetadata(key, holder) as readonly T[] | undefined) ?? []
    Reflect.defineMetadata(key, [...values, ...previous], holder)
  }
  return decorator as ClassDecorator & MethodDecorator
}
