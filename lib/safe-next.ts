// Where to go after signing in. `?next=` comes from the URL, so anyone can write it: only
// a path on this origin is accepted, or a crafted link becomes an open redirect
// (RFC 9700 §4.11). Shared by the login page (browser) and the social-login callback
// (server), so nothing here may be server-only.

export const DEFAULT_NEXT_PATH = "/profile/";

/** A path on this site that is safe to redirect to, or `/profile/`. */
export function safeNextPath(value: string | null | undefined): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return DEFAULT_NEXT_PATH;
  // `//host` and `/\host` are scheme-relative URLs to another host in browsers.
  if (!value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return DEFAULT_NEXT_PATH;
  // Browsers drop tabs and newlines from URLs (so "/\t/host" becomes "//host") and other
  // control characters have no business in a path.
  if (/[\u0000-\u001f\u007f]/.test(value)) return DEFAULT_NEXT_PATH;
  // Last word to the WHATWG parser that browsers use: the result must stay on our origin.
  const base = "http://gatehouse.invalid";
  try {
    if (new URL(value, base).origin !== base) return DEFAULT_NEXT_PATH;
  } catch {
    return DEFAULT_NEXT_PATH;
  }
  return value;
}
