// Next bundles each route separately, so a module-level `let` can exist once per
// bundle. Process-wide state (the database, the parsed env, the hashing queue,
// the signing key) lives on globalThis under one registry instead.
const registry = ((globalThis as { __gatehouse?: Map<string, unknown> }).__gatehouse ??= new Map());

export function singleton<T>(name: string, create: () => T): T {
  if (!registry.has(name)) registry.set(name, create());
  return registry.get(name) as T;
}

/** Forget process-wide state (tests hand in a fresh database or environment). */
export function resetSingletons(...names: string[]): void {
  for (const name of names.length ? names : [...registry.keys()]) registry.delete(name);
}

/** The value registered under `name`, if any, without creating it. */
export function peekSingleton<T>(name: string): T | undefined {
  return registry.get(name) as T | undefined;
}
