import { NextResponse, type NextRequest } from "next/server";
import { hasDevelopmentConveniences, runMode } from "@/lib/run-mode";
import {
  CORS_PREFLIGHT_HEADERS,
  commonSecurityHeaders,
  corsHeaders,
  isApiPath,
  pageSecurityHeaders,
} from "@/lib/security-headers";

// Page headers (docs/security.md): CSP with a fresh nonce per page, which Next reads from the
// request's CSP header and puts on its own scripts. API requests skip this proxy (see
// config below) but for CORS preflights: server.js sets their headers, as it does the
// common ones of every response (docs/benchmarks.md: running middleware on each API request
// cost about a fifth of the API's throughput).

export function proxy(request: NextRequest): NextResponse {
  const { pathname } = request.nextUrl;
  const origin = request.headers.get("origin");

  if (isApiPath(pathname)) {
    const cors = corsHeaders(origin);
    if (request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
      return new NextResponse(null, {
        status: 204,
        headers: cors ? { ...cors, ...CORS_PREFLIGHT_HEADERS, ...commonSecurityHeaders() } : commonSecurityHeaders(),
      });
    }
    const response = NextResponse.next();
    for (const [name, value] of Object.entries({ ...commonSecurityHeaders(), ...cors })) response.headers.set(name, value);
    return response;
  }

  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const headers = pageSecurityHeaders({ pathname, nonce, dev: hasDevelopmentConveniences(runMode()) });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"]!);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries({ ...commonSecurityHeaders(pathname), ...headers })) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [
    // Pages, and whatever is not the API.
    { source: "/((?!api/|\\.well-known/|_next/static|_next/image|favicon.ico).*)" },
    // CORS preflights of the API: no route handler answers OPTIONS with CORS headers.
    { source: "/api/:path*", has: [{ type: "header", key: "access-control-request-method" }] },
    { source: "/.well-known/:path*", has: [{ type: "header", key: "access-control-request-method" }] },
  ],
};
