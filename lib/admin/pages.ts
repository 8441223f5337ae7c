// Django REST Framework's PageNumberPagination, as the seed's clients know it
// (docs/api.md, administration): `?page=` from 1, `?page_size=` up to a maximum, and
// `{"count", "next", "previous", "results"}` with absolute links that keep the other
// query parameters. A page past the last (but the first, which may be empty) or a page
// that is not a number is DRF's 404 `{"detail": "Invalid page."}`.

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

/** What the request asked for, and where its links point (the absolute URL it came to). */
export type PageRequest = { url: URL; page: number | null; pageSize: number };

export type Page<T> = { count: number; next: string | null; previous: string | null; results: T[] };

/** `?page=` and `?page_size=` of `url` (absolute: APP_URL's origin). Null page: not a page number. */
export function pageRequest(url: URL, options: { pageSize?: boolean } = {}): PageRequest {
  const rawPage = url.searchParams.get("page");
  const page = rawPage === null || rawPage === "" ? 1 : /^[1-9]\d{0,8}$/.test(rawPage) ? Number(rawPage) : rawPage === "last" ? Number.MAX_SAFE_INTEGER : null;
  const rawSize = options.pageSize === false ? null : url.searchParams.get("page_size");
  // As DRF: a page size that is not a positive number is the default; a large one is clamped.
  const size = rawSize !== null && /^\d{1,9}$/.test(rawSize) && Number(rawSize) > 0 ? Math.min(Number(rawSize), MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
  return { url, page, pageSize: size };
}

/** One page of `total` items, fetched by `rows(limit, offset)`; null when the page does not exist. */
export async function pageOf<T>(request: PageRequest, total: number, rows: (limit: number, offset: number) => Promise<T[]>): Promise<Page<T> | null> {
  const last = Math.max(1, Math.ceil(total / request.pageSize));
  if (request.page === null) return null;
  const page = request.page === Number.MAX_SAFE_INTEGER ? last : request.page;
  if (page > last) return null;
  const link = (n: number | null) => {
    if (n === null) return null;
    const url = new URL(request.url);
    if (n === 1) url.searchParams.delete("page");
    else url.searchParams.set("page", String(n));
    return url.toString();
  };
  return {
    count: total,
    next: link(page < last ? page + 1 : null),
    previous: link(page > 1 ? page - 1 : null),
    results: await rows(request.pageSize, (page - 1) * request.pageSize),
  };
}
