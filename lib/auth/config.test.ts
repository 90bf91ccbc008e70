// Sandbox sign-in must not exist unless ATLAS_SANDBOX=1 is set explicitly.
import { NextRequest } from "next/server";
import { afterEach, describe, expect, it, vi } from "vitest";

async function freshAuth(env: Record<string, string | undefined>) {
  vi.resetModules();
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v as string);
  return import("./config");
}

async function postSandboxCallback(handlers: { POST: (req: NextRequest) => Promise<Response> }) {
  const body = new URLSearchParams({ email: "ada@acme.test", csrfToken: "x" });
  return handlers.POST(
    new NextRequest("http://localhost/api/auth/callback/sandbox", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    }),
  );
}

afterEach(() => vi.unstubAllEnvs());

describe("sandbox sign-in", () => {
  it("does not exist without ATLAS_SANDBOX=1, even with NODE_ENV=development or ATLAS_SANDBOX=true", async () => {
    for (const value of [undefined, "", "0", "true", "yes"]) {
      const { signInProviders, handlers } = await freshAuth({ ATLAS_SANDBOX: value, AUTH_SECRET: "test-secret-0123456789", NODE_ENV: "development" });
      expect(signInProviders().map((p) => p.id)).not.toContain("sandbox");
      const res = await postSandboxCallback(handlers);
      // Auth.js answers an unknown provider with a redirect to the error page, never a session cookie.
      expect(res.headers.get("set-cookie") ?? "").not.toMatch(/authjs\.session-token=/);
      expect(res.headers.get("location") ?? "").toMatch(/error/i);
    }
  });

  it("exists with ATLAS_SANDBOX=1", async () => {
    const { signInProviders } = await freshAuth({ ATLAS_SANDBOX: "1", AUTH_SECRET: "test-secret-0123456789" });
    expect(signInProviders().map((p) => p.id)).toContain("sandbox");
  });

  it("offers GitHub when its OAuth app is configured", async () => {
    const { signInProviders } = await freshAuth({ AUTH_GITHUB_ID: "id", AUTH_GITHUB_SECRET: "secret", AUTH_SECRET: "s" });
    expect(signInProviders().map((p) => p.id)).toEqual(["github"]);
  });
});
