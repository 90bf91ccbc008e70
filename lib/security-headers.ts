// Security headers of every response (set by proxy.ts; Nango's webhook route sets API_HEADERS itself). The Content-Security-Policy uses a fresh nonce per
// request: Next reads it from the request's CSP header and puts it on its own inline scripts (every page is
// rendered per request, see app/layout.tsx), and 'strict-dynamic' lets those scripts load the chunks.
// Styles keep 'unsafe-inline': server-rendered style attributes (charts, progress bars) cannot carry a
// nonce, and a nonce in style-src would switch 'unsafe-inline' off.

export type SecurityHeaderOptions = {
  nonce: string;
  /** Sandbox mode: plain-HTTP localhost, local stand-ins on other ports. */
  sandbox: boolean;
  /** The request reached us over HTTPS (directly or per X-Forwarded-Proto): HSTS and upgrades apply. */
  https: boolean;
  /** next dev: React needs eval for its error overlays and stacks. */
  development: boolean;
  /** Nango's Connect UI, shown in an iframe of ours (NANGO_CONNECT_UI_URL). */
  connectUiUrl: string;
  /** Nango's API as the browser reaches it (NANGO_PUBLIC_HOST or NANGO_HOST). */
  nangoPublicHost?: string;
  /** Where sign-in forms may end up: the OIDC issuer, GitHub. */
  signInOrigins?: string[];
};

const origin = (url: string | undefined): string | null => {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
};

const websocketOrigin = (httpOrigin: string) => httpOrigin.replace(/^http/, "ws");

export function contentSecurityPolicy(o: SecurityHeaderOptions): string {
  const connectUi = origin(o.connectUiUrl);
  const nango = origin(o.nangoPublicHost);
  const signIn = (o.signInOrigins ?? []).map(origin).filter((x): x is string => Boolean(x));
  const list = (...items: (string | null | false | undefined)[]) => [...new Set(items.filter(Boolean))].join(" ");
  const directives: Record<string, string> = {
    "default-src": "'self'",
    "script-src": list("'self'", `'nonce-${o.nonce}'`, "'strict-dynamic'", o.development && "'unsafe-eval'"),
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    // The page itself talks only to Atlas; Nango's API is listed for @nangohq/frontend's own calls.
    "connect-src": list("'self'", nango, nango && websocketOrigin(nango), o.development && "ws:"),
    // Connect UI runs in an iframe from Nango's origin (the sandbox's own port locally).
    "frame-src": list(connectUi ?? "'none'"),
    "object-src": "'none'",
    "base-uri": "'self'",
    // Sign-in posts to Atlas, which redirects to the identity provider; browsers check that redirect too.
    "form-action": list("'self'", ...signIn),
    "frame-ancestors": "'none'",
  };
  const policy = Object.entries(directives).map(([k, v]) => `${k} ${v}`);
  if (o.https && !o.sandbox) policy.push("upgrade-insecure-requests");
  return policy.join("; ");
}

/** Every header for one response. */
export function securityHeaders(o: SecurityHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Security-Policy": contentSecurityPolicy(o),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    // For browsers without frame-ancestors.
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
  };
  // HSTS is only honoured over HTTPS; the sandbox is plain-HTTP localhost, where it would linger in the browser.
  if (o.https && !o.sandbox) headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains";
  return headers;
}

/** Did this request reach us over HTTPS (a TLS-terminating proxy says so in X-Forwarded-Proto)? */
export function requestIsHttps(url: URL, forwardedProto: string | null): boolean {
  const proto = forwardedProto?.split(",")[0]?.trim().toLowerCase();
  return proto ? proto === "https" : url.protocol === "https:";
}

/**
 * Nango's webhook route answers servers, not browsers: a fixed set (JSON that must never be sniffed, framed
 * or cached) that costs nothing per request. proxy.ts skips that route, as building a nonce'd CSP and
 * re-writing the request's headers for every delivery was a measurable share of its cost.
 */
export const API_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};
