// The production sign-in path, end to end at the HTTP level: a real OpenID Connect provider (oidc-provider)
// on a local port, Atlas's Auth.js handlers configured only from AUTH_* variables (no sandbox), real
// PostgreSQL. Every redirect is followed by hand, with a cookie jar per origin, as a browser would.
import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { prisma } from "@/lib/db/client";
import { createOrg, createUser, uid } from "@/lib/test/factory";
import { startTestIdp, type TestIdp } from "./test-idp";

const ATLAS = "http://atlas.test:3970";
const CALLBACK = `${ATLAS}/api/auth/callback/oidc`;
const CLIENT = { id: "atlas", secret: "atlas-client-secret" };

type Handlers = { GET: (req: NextRequest) => Promise<Response>; POST: (req: NextRequest) => Promise<Response> };

class Browser {
  private jar = new Map<string, Map<string, string>>();
  constructor(private readonly handlers: Handlers) {}

  private cookies(url: string) {
    const origin = new URL(url).origin;
    if (!this.jar.has(origin)) this.jar.set(origin, new Map());
    return this.jar.get(origin)!;
  }

  cookie(url: string, name: string) {
    return this.cookies(url).get(name);
  }

  private store(url: string, res: Response) {
    const jar = this.cookies(url);
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const name = pair.slice(0, pair.indexOf("="));
      const value = pair.slice(pair.indexOf("=") + 1);
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === "") jar.delete(name);
      else jar.set(name, value);
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers({ cookie: [...this.cookies(url)].map(([k, v]) => `${k}=${v}`).join("; ") });
    let body: string | undefined;
    if (init.form) {
      headers.set("content-type", "application/x-www-form-urlencoded");
      body = new URLSearchParams(init.form).toString();
    }
    const method = init.method ?? (body ? "POST" : "GET");
    const res = url.startsWith(ATLAS)
      ? await (method === "POST" ? this.handlers.POST : this.handlers.GET)(new NextRequest(url, { method, headers, body }))
      : await fetch(url, { method, headers, body, redirect: "manual" });
    this.store(url, res);
    return res;
  }

  /** Follows redirects; returns the last response and its URL. */
  async follow(url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    let res = await this.request(url, init);
    let current = url;
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 20; hops++) {
      const next = new URL(res.headers.get("location")!, current).toString();
      // The app's own pages are not served by the auth handlers: stop there.
      if (next.startsWith(ATLAS) && !new URL(next).pathname.startsWith("/api/auth/")) return { res, url: next };
      current = next;
      res = await this.request(current);
    }
    return { res, url: current };
  }

  /** Atlas's sign-in button, the IdP's login form, and back. Returns where Atlas sends the browser. */
  async signIn(login: string) {
    const { csrfToken } = (await (await this.request(`${ATLAS}/api/auth/csrf`)).json()) as { csrfToken: string };
    const toIdp = await this.request(`${ATLAS}/api/auth/signin/oidc`, { form: { csrfToken, callbackUrl: `${ATLAS}/` } });
    const authorize = toIdp.headers.get("location")!;
    const atLogin = await this.follow(authorize);
    expect(atLogin.res.status, await atLogin.res.clone().text()).toBe(200); // the IdP's login form
    return { authorize, ...(await this.follow(atLogin.url, { form: { login } })) };
  }

  async session() {
    return (await (await this.request(`${ATLAS}/api/auth/session`)).json()) as { user?: { email?: string; name?: string; id?: string } } | null;
  }
}

const idps: TestIdp[] = [];
async function idp(opts: Partial<Parameters<typeof startTestIdp>[0]> = {}) {
  const started = await startTestIdp({ clientId: CLIENT.id, clientSecret: CLIENT.secret, redirectUris: [CALLBACK], ...opts });
  idps.push(started);
  return started;
}

async function atlas(env: Record<string, string>) {
  vi.resetModules();
  for (const [k, v] of Object.entries({
    ATLAS_SANDBOX: "",
    AUTH_SECRET: "oidc-test-secret-0123456789abcdef",
    AUTH_URL: ATLAS,
    AUTH_OIDC_ID: CLIENT.id,
    AUTH_OIDC_SECRET: CLIENT.secret,
    AUTH_GITHUB_ID: "",
    AUTH_GITHUB_SECRET: "",
    ...env,
  }))
    vi.stubEnv(k, v);
  const config = await import("./config");
  return { config, browser: new Browser(config.handlers as Handlers) };
}

let invited: { email: string; name: string | null; id: string };
beforeAll(async () => {
  const org = await createOrg("OIDC");
  invited = await createUser(org.id, { email: `invited-${uid()}@example.test`, name: "Ivy Invited", role: "ADMIN" });
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});
afterAll(async () => {
  await Promise.all(idps.map((i) => i.close()));
});

describe("sign-in through a real OpenID Connect provider", () => {
  it("lets an invited email in when the provider keeps it out of the ID token (userinfo only)", async () => {
    const { issuer } = await idp({ emailOnlyInUserinfo: true });
    const { config, browser } = await atlas({ AUTH_OIDC_ISSUER: issuer });
    expect(config.signInProviders().map((p) => p.id)).toEqual(["oidc"]); // no sandbox provider
    const { url } = await browser.signIn(invited.email.toUpperCase());
    expect(url).toBe(`${ATLAS}/`);
    expect(await browser.session()).toMatchObject({ user: { email: invited.email, id: invited.id, name: "Ivy Invited" } });
  });

  it("lets an invited email in when the provider puts it in the ID token", async () => {
    const { issuer } = await idp({ emailOnlyInUserinfo: false });
    const { browser } = await atlas({ AUTH_OIDC_ISSUER: issuer });
    expect((await browser.signIn(invited.email)).url).toBe(`${ATLAS}/`);
    expect((await browser.session())?.user?.id).toBe(invited.id);
  });

  it("refuses an email the provider marks unverified, saying so (not 'not invited')", async () => {
    const { issuer } = await idp({ account: (login) => ({ email: login, email_verified: false }) });
    const { browser } = await atlas({ AUTH_OIDC_ISSUER: issuer });
    const { url } = await browser.signIn(invited.email);
    expect(url).toBe(`${ATLAS}/signin?error=EmailUnverified`);
    expect(await browser.session()).toBeNull();
  });

  it("sends an email nobody invited to the not-invited page and creates no account", async () => {
    const { issuer } = await idp();
    const { browser } = await atlas({ AUTH_OIDC_ISSUER: issuer });
    const stranger = `stranger-${uid()}@example.test`;
    const { url } = await browser.signIn(stranger);
    expect(url).toBe(`${ATLAS}/not-invited`);
    expect(await browser.session()).toBeNull();
    expect(await prisma.user.count({ where: { email: stranger } })).toBe(0);
  });

  it("with a wrong client secret: a configuration error, and the log says why", async () => {
    const { issuer } = await idp();
    const { browser } = await atlas({ AUTH_OIDC_ISSUER: issuer, AUTH_OIDC_SECRET: "not-the-secret" });
    // The config's own logger instance (modules were reset for this configuration).
    const { log } = await import("@/lib/log");
    const errors = vi.spyOn(log, "error");
    const { url } = await browser.signIn(invited.email);
    expect(url).toBe(`${ATLAS}/signin?error=Configuration`);
    const logged = JSON.stringify(errors.mock.calls.map(([fields, message]) => [fields, message]));
    expect(logged).toContain("invalid_client: client authentication failed");
    expect(await browser.session()).toBeNull();
  });

  it("asks the provider for the callback AUTH_URL names, whatever host the request came in on", async () => {
    const { issuer } = await idp();
    const { browser } = await atlas({ AUTH_OIDC_ISSUER: issuer });
    const { csrfToken } = (await (await browser.request(`${ATLAS}/api/auth/csrf`)).json()) as { csrfToken: string };
    // The same app reached as http://10.0.0.5:3000 (a container address) still names AUTH_URL's callback.
    const handlers = (await import("./config")).handlers as Handlers;
    const res = await handlers.POST(
      new NextRequest("http://10.0.0.5:3000/api/auth/signin/oidc", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: `authjs.csrf-token=${browser.cookie(ATLAS, "authjs.csrf-token")}` },
        body: new URLSearchParams({ csrfToken }).toString(),
      }),
    );
    expect(new URL(res.headers.get("location")!).searchParams.get("redirect_uri")).toBe(CALLBACK);
  });

  it("AUTH_URL must be an origin, and not a loopback address (Next rewrites those to localhost)", async () => {
    const { parseEnv } = await import("@/lib/env");
    const parse = (AUTH_URL: string) => () => parseEnv({ DATABASE_URL: "postgresql://localhost/x", AUTH_URL }, { server: false });
    expect(parse("https://atlas.example.com")).not.toThrow();
    expect(parse("http://localhost:3000")).not.toThrow();
    expect(parse("https://atlas.example.com/app")).toThrow(/AUTH_URL: expected an origin/);
    expect(parse("http://127.0.0.1:3000")).toThrow(/AUTH_URL: use http:\/\/localhost/);
  });

  it("a removed user's session answers nothing and its cookie is cleared", async () => {
    const org = await createOrg("OIDC removal");
    const doomed = await createUser(org.id, { email: `doomed-${uid()}@example.test`, name: "Doomed Dora" });
    const { issuer } = await idp();
    const { browser } = await atlas({ AUTH_OIDC_ISSUER: issuer });
    expect((await browser.signIn(doomed.email)).url).toBe(`${ATLAS}/`);
    expect((await browser.session())?.user?.email).toBe(doomed.email);
    const token = browser.cookie(ATLAS, "authjs.session-token");
    expect(token).toBeTruthy();
    await prisma.user.delete({ where: { id: doomed.id } });
    const res = await browser.request(`${ATLAS}/api/auth/session`);
    const body = await res.text();
    expect(body).toBe("null");
    expect(body).not.toContain(doomed.email);
    expect(body).not.toContain("Doomed Dora");
    expect(browser.cookie(ATLAS, "authjs.session-token")).toBeUndefined();
  });
});
