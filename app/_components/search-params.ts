/** What a page's `searchParams` promise resolves to. */
export type SearchParams = Record<string, string | string[] | undefined>;

/** The first value of a query parameter: `?a=1&a=2` counts as `1`. */
export function firstParam(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}
