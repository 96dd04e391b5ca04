/** The part of the `reflect-metadata` API that copying needs. */
interface MetadataReflect {
  getOwnMetadataKeys(target: object): unknown[];
  getOwnMetadata(key: unknown, target: object): unknown;
  defineMetadata(key: unknown, value: unknown, target: object): void;
}

/**
 * Copy every own `reflect-metadata` entry of `from` onto `to`. Decorators such as `@Cron`,
 * `@OnEvent` and `@SetMetadata` store their metadata on the method function itself; when they
 * run before `@Locked` it sits on the original, which the class no longer exposes. lockwarden does
 * not depend on `reflect-metadata`: without it loaded there is nothing to copy.
 */
export function copyOwnMetadata(from: object, to: object): void {
  const reflect = Reflect as unknown as Partial<MetadataReflect>;
  if (
    typeof reflect.getOwnMetadataKeys !== 'function' ||
    typeof reflect.getOwnMetadata !== 'function' ||
    typeof reflect.defineMetadata !== 'function'
  ) {
    return;
  }
  for (const key of reflect.getOwnMetadataKeys(from)) {
    reflect.defineMetadata(key, reflect.getOwnMetadata(key, from), to);
  }
}
