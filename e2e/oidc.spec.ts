// Real sign-in, production configuration: a second Atlas (the production server on the same build and database, no
// ATLAS_SANDBOX, AUTH_OIDC_* and AUTH_URL set) signs people in through a real OpenID Connect provider
// (oidc-provider, lib/auth/test-idp.ts) run by this spec. The suite's main server stays in sandbox mode for
// the other specs; this one never touches it, so no sandbox provider takes part.
import { expect, test, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { startTestIdp, type TestIdp } from "../lib/auth/test-idp";
import { webServerCommand } from "../scripts/lib/web-server";
import { DEMO, sql } from "./helpers";

const PORT = Number(process.env.E2E_OIDC_PORT ?? Number(process.env.E2E_PORT ?? 3100) + 20);
// localhost, not 127.0.0.1: Next.js rewrites loopback addresses in request URLs to "localhost", so the
// callback URL Atlas sends must use that name to match what the provider has registered.
const ATLAS = `http://localhost:${PORT}`;
const CALLBACK = `${ATLAS}/api/auth/callback/oidc`;

const CLIENT = { id: "atlas-e2e", secret: "atlas-e2e-client-secret" };

type App = { url: string; log: () => string; stop: () => void };

/** The production server on the suite's build (scripts/server.ts): no sandbox, sign-in only through the IdP. */
async function startApp(port: number, env: Record<string, string> = {}): Promise<App> {
  const url = `http://localhost:${port}`;
  let output = "";
  const server = webServerCommand(port, ["--hostname", "127.0.0.1"]);
  const child: ChildProcess = spawn(server.command, server.args, {
    env: {
      ...process.env,
      ATLAS_SANDBOX: "",
      ATLAS_WORKERS: "off",
      AUTH_URL: url,
      AUTH_SECRET: "e2e-oidc-secret-0123456789abcdef",
      AUTH_OIDC_ISSUER: idp.issuer,
      AUTH_OIDC_ID: CLIENT.id,
      AUTH_OIDC_SECRET: CLIENT.secret,
      AUTH_OIDC_NAME: "Test IdP",
      AUTH_GITHUB_ID: "",
      AUTH_GITHUB_SECRET: "",
      LOG_LEVEL: "info",
      // Production runs with metadata encrypted at rest (the demo rows are plaintext: both must read).
      ATLAS_ENCRYPTION_KEYS: `e2e:${Buffer.alloc(32, 7).toString("base64")}`,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  for (let i = 0; ; i++) {
    const res = await fetch(`${url}/api/health`).catch(() => null);
    if (res?.ok) break;
    if (i > 240 || child.exitCode !== null) throw new Error(`the production-mode app did not start on ${port}:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, log: () => output, stop: () => void child.kill("SIGTERM") };
}

let idp: TestIdp;
let app: App;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  // Addresses starting with "unverified-" are ones the provider has not verified; the email is in userinfo
  // only (oidc-provider's default), so Atlas must ask for it.
  idp = await startTestIdp({
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
    redirectUris: [CALLBACK, `http://localhost:${PORT + 1}/api/auth/callback/oidc`],
    account: (login) => ({ email: login.replace(/^unverified-/, ""), email_verified: !login.startsWith("unverified-") }),
  });
  app = await startApp(PORT);
});

// A failure's cause is in the production app's log (sign-in errors are logged, never shown): keep it.
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus && app) {
    await testInfo.attach("atlas-production.log", { body: app.log(), contentType: "text/plain" });
    console.error(app.log().split("\n").filter((l) => /"level":(40|50|60)/.test(l)).slice(-20).join("\n"));
  }
});

test.afterAll(async () => {
  app?.stop();
  await idp?.close();
});

async function signInAt(page: Page, login: string, at = ATLAS) {
  await page.context().clearCookies();
  await page.goto(`${at}/signin`);
  await expect(page.getByTestId("sandbox-signin")).toHaveCount(0);
  await page.getByRole("button", { name: "Sign in with Test IdP" }).click();
  await expect(page.getByRole("heading", { name: "Test identity provider" })).toBeVisible();
  await page.getByLabel("Email").fill(login);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("an invited email signs in through the identity provider (email from userinfo)", async ({ page }) => {
  // The nonce-based CSP must not block anything of Next's own (its inline scripts carry the nonce).
  const refused: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
  });
  await signInAt(page, DEMO.acmeAdmin.email);
  await expect(page).toHaveURL(`${ATLAS}/`);
  await expect(page.getByTestId("viewer-name")).toHaveText(DEMO.acmeAdmin.name);
  const session = await (await page.request.get(`${ATLAS}/api/auth/session`)).json();
  expect(session.user.email).toBe(DEMO.acmeAdmin.email);
  // Production headers: a nonce-based CSP and no sandbox banner.
  const res = await page.request.get(`${ATLAS}/`);
  expect(res.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(res.headers()["x-content-type-options"]).toBe("nosniff");
  // Client components work: the connections page hydrates and its nav responds.
  await page.goto(`${ATLAS}/connections`);
  await page.waitForLoadState("networkidle");
  expect(await page.evaluate(() => Boolean((window as unknown as { next?: unknown }).next))).toBe(true);
  expect(refused).toEqual([]);
});

test("an email the provider has not verified is refused with that reason", async ({ page }) => {
  await signInAt(page, `unverified-${DEMO.acmeMember.email}`);
  await expect(page).toHaveURL(`${ATLAS}/signin?error=EmailUnverified`);
  await expect(page.locator("main").getByRole("alert")).toContainText("has not verified your email address");
});

test("an email nobody invited gets the not-invited page and no account", async ({ page }) => {
  const stranger = `stranger-${randomUUID().slice(0, 8)}@example.test`;
  await signInAt(page, stranger);
  await expect(page).toHaveURL(`${ATLAS}/not-invited`);
  expect(await sql(`SELECT 1 FROM "User" WHERE email = $1`, [stranger])).toHaveLength(0);
});

test("a removed user's next request is refused and the session no longer answers their details", async ({ page }) => {
  const email = `leaving-${randomUUID().slice(0, 8)}@example.test`;
  const id = `user_leaving_${randomUUID().slice(0, 8)}`;
  await sql(`INSERT INTO "User" (id, email, name, role, "organizationId", "updatedAt") VALUES ($1, $2, 'Leaving Lee', 'MEMBER', $3, now())`, [id, email, DEMO.acmeAdmin.orgId]);
  await signInAt(page, email);
  await expect(page.getByTestId("viewer-name")).toHaveText("Leaving Lee");
  await sql(`DELETE FROM "User" WHERE id = $1`, [id]);
  await page.goto(`${ATLAS}/connections`);
  await expect(page).toHaveURL(/\/signin/);
  const body = await (await page.request.get(`${ATLAS}/api/auth/session`)).text();
  expect(body).not.toContain(email);
  expect(body).not.toContain("Leaving Lee");
});

test("a wrong client secret shows a configuration error, never 'not invited', and the log says why", async ({ page }) => {
  test.setTimeout(120_000);
  const misconfigured = await startApp(PORT + 1, { AUTH_OIDC_SECRET: "not-the-secret" });
  try {
    await signInAt(page, DEMO.acmeAdmin.email, misconfigured.url);
    await expect(page).toHaveURL(`${misconfigured.url}/signin?error=Configuration`);
    await expect(page.locator("main").getByRole("alert")).toContainText("sign-in settings are wrong");
    await expect(page.locator("main").getByRole("alert")).not.toContainText("invited");
    await expect.poll(() => misconfigured.log()).toContain("invalid_client: client authentication failed");
  } finally {
    misconfigured.stop();
  }
});
