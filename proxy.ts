import { NextResponse, type NextRequest } from "next/server";
import { hasDevelopmentConveniences, runMode } from "@/lib/run-mode";
import {
  CORS_PREFLIGHT_HEADERS,
  commonSecurityHeaders,
  corsHeaders,
  pageSecurityHeaders,
} from "@/lib/security-headers";

// Headers for every response (docs/security.md): CSP with a fresh nonce per page, which Next
// reads from the request's CSP header and puts on its own scripts; CORS for the API.

const isApi = (pathname: string) => pathname.startsWith("/api/") || pathname.startsWith("/.well-known/");

export function proxy(request: NextRequest): NextResponse {
  const { pathname } = request.nextUrl;
  const origin = request.headers.get("origin");

  if (isApi(pathname)) {
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
    {
      source: "/((?!_next/static|_next/image|favicon.ico).*)",
    },
  ],
};
