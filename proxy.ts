// Runs before every request (Next 16's "proxy", formerly middleware; Node.js runtime): a fresh CSP nonce and
// the security headers of lib/security-headers.ts on every response, pages, route handlers and assets alike.
import { NextResponse, type NextRequest } from "next/server";
import { getEnv } from "@/lib/env";
import { isDecodablePath } from "@/lib/dashboard/params";
import { requestIsHttps, securityHeaders } from "@/lib/security-headers";

export function proxy(request: NextRequest) {
  const env = getEnv();
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const headers = securityHeaders({
    nonce,
    sandbox: env.ATLAS_SANDBOX,
    https: requestIsHttps(request.nextUrl, request.headers.get("x-forwarded-proto")),
    development: process.env.NODE_ENV === "development",
    connectUiUrl: env.NANGO_CONNECT_UI_URL,
    nangoPublicHost: env.NANGO_PUBLIC_HOST ?? env.NANGO_HOST,
    signInOrigins: [env.AUTH_OIDC_ISSUER, env.AUTH_GITHUB_ID ? "https://github.com" : undefined].filter((x): x is string => Boolean(x)),
  });
  // Next takes the nonce for its own scripts from the request's CSP header.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"]);
  // --- Addresses Next cannot decode (section of issue 14, "ui") ---
  // A path with broken percent-encoding ("/connections/%E0%A4%A") makes Next's route matching throw (a 400 in
  // development, a 500 in production): it is answered as the not-found page instead, which says what to do.
  const response = isDecodablePath(new URL(request.url).pathname)
    ? NextResponse.next({ request: { headers: requestHeaders } })
    : NextResponse.rewrite(new URL("/not-a-valid-address", request.url), { request: { headers: requestHeaders } });
  // --- end of section ---
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

// Every path but Nango's webhook route, which sets its own fixed headers (lib/security-headers.ts API_HEADERS).
export const config = { matcher: ["/((?!api/webhooks/nango).*)"] };
