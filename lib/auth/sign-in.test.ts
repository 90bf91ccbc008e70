// Signing in records the sign-in (Auth.js's signIn event, lib/auth/config.ts), which turns a pending
// invitation into a member on the People page. Through Auth.js's real handlers (sandbox credentials), on
// real PostgreSQL.
import { NextRequest } from "next/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { prisma } from "@/lib/db/client";
import { createOrg, createUser, uid } from "@/lib/test/factory";

const ATLAS = "http://localhost:3000";

async function sandboxAuth() {
  vi.resetModules();
  vi.stubEnv("ATLAS_SANDBOX", "1");
  vi.stubEnv("AUTH_SECRET", "test-secret-0123456789");
  return (await import("./config")).handlers;
}

/** Signs in as `email` the way the sign-in page's form does; answers the session cookie, if any. */
async function signInAs(email: string) {
  const handlers = await sandboxAuth();
  const csrf = await handlers.GET(new NextRequest(`${ATLAS}/api/auth/csrf`));
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await handlers.POST(
    new NextRequest(`${ATLAS}/api/auth/callback/sandbox`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ email, csrfToken, callbackUrl: `${ATLAS}/` }).toString(),
    }),
  );
  return res.headers.getSetCookie().find((c) => c.startsWith("authjs.session-token="));
}

afterEach(() => vi.unstubAllEnvs());

describe("recording sign-ins", () => {
  it("a sign-in sets lastSignInAt (email matched case-insensitively), and each later one moves it", async () => {
    const org = await createOrg();
    const user = await createUser(org.id, { email: `new-${uid()}@example.test` });
    expect(user.lastSignInAt).toBeNull();

    const before = new Date();
    expect(await signInAs(user.email.toUpperCase())).toBeDefined();
    const first = (await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).lastSignInAt;
    expect(first).not.toBeNull();
    expect(first!.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1);

    await new Promise((r) => setTimeout(r, 5));
    expect(await signInAs(user.email)).toBeDefined();
    const second = (await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).lastSignInAt;
    expect(second!.getTime()).toBeGreaterThan(first!.getTime());
  });

  it("a refused sign-in records nothing", async () => {
    const org = await createOrg();
    const user = await createUser(org.id);
    // Not invited: no User row for this email, no session, and nobody's sign-in moves.
    expect(await signInAs(`stranger-${uid()}@example.test`)).toBeUndefined();
    expect((await prisma.user.findUniqueOrThrow({ where: { id: user.id } })).lastSignInAt).toBeNull();
  });
});
