import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, requestIsHttps, securityHeaders, type SecurityHeaderOptions } from "./security-headers";

const base: SecurityHeaderOptions = {
  nonce: "abc123",
  sandbox: false,
  https: true,
  development: false,
  connectUiUrl: "https://connect.nango.dev",
  nangoPublicHost: "https://api.nango.dev",
  signInOrigins: ["https://idp.example.com/realms/atlas"],
};

const directives = (csp: string) => Object.fromEntries(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));

describe("security headers", () => {
  it("allows Next's nonce-carrying scripts, never inline scripts without it", () => {
    const d = directives(contentSecurityPolicy(base));
    expect(d["script-src"]).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(d["script-src"]).not.toContain("'unsafe-inline'");
    expect(d["object-src"]).toEqual(["'none'"]);
    expect(d["frame-ancestors"]).toEqual(["'none'"]);
  });

  it("lets the Connect UI iframe and Nango's API through, and the sign-in redirect to the identity provider", () => {
    const d = directives(contentSecurityPolicy(base));
    expect(d["frame-src"]).toEqual(["https://connect.nango.dev"]);
    expect(d["connect-src"]).toEqual(["'self'", "https://api.nango.dev", "wss://api.nango.dev"]);
    expect(d["form-action"]).toEqual(["'self'", "https://idp.example.com"]);
  });

  it("allows the sandbox's Connect UI on its local port", () => {
    const d = directives(contentSecurityPolicy({ ...base, sandbox: true, https: false, connectUiUrl: "http://localhost:3003/connect", nangoPublicHost: "http://localhost:3003" }));
    expect(d["frame-src"]).toEqual(["http://localhost:3003"]);
    expect(d["upgrade-insecure-requests"]).toBeUndefined();
  });

  it("sends HSTS only over HTTPS outside the sandbox", () => {
    expect(securityHeaders(base)["Strict-Transport-Security"]).toMatch(/max-age=\d+/);
    expect(securityHeaders({ ...base, https: false })["Strict-Transport-Security"]).toBeUndefined();
    expect(securityHeaders({ ...base, sandbox: true })["Strict-Transport-Security"]).toBeUndefined();
    expect(contentSecurityPolicy(base)).toContain("upgrade-insecure-requests");
    expect(contentSecurityPolicy({ ...base, https: false })).not.toContain("upgrade-insecure-requests");
  });

  it("always sends nosniff, a referrer policy, a frame ban and a permissions policy", () => {
    const h = securityHeaders({ ...base, sandbox: true, https: false });
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["Referrer-Policy"]).toBe("strict-origin-when-cross-origin");
    expect(h["X-Frame-Options"]).toBe("DENY");
    expect(h["Permissions-Policy"]).toContain("camera=()");
  });

  it("allows eval only in development (React's dev tooling)", () => {
    expect(contentSecurityPolicy(base)).not.toContain("unsafe-eval");
    expect(contentSecurityPolicy({ ...base, development: true })).toContain("'unsafe-eval'");
  });

  it("believes a TLS-terminating proxy's X-Forwarded-Proto", () => {
    expect(requestIsHttps(new URL("http://atlas.internal/"), "https")).toBe(true);
    expect(requestIsHttps(new URL("http://atlas.internal/"), "http")).toBe(false);
    expect(requestIsHttps(new URL("https://atlas.example.com/"), null)).toBe(true);
  });
});
