// A real OpenID Connect provider (the `oidc-provider` package, as certified implementations use) for tests
// and the e2e run: discovery, authorization code + PKCE, signed ID tokens, userinfo. Its login page is a
// one-field form: whoever types an address is that account (it is a test IdP). Never imported by the app.
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export type TestIdpAccount = { email: string; email_verified?: boolean; name?: string };

export type TestIdpOptions = {
  port?: number;
  host?: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /**
   * true (oidc-provider's default): the ID token carries only `sub`, the email is in userinfo alone.
   * false: the email is in the ID token as well.
   */
  emailOnlyInUserinfo?: boolean;
  /** The account behind a typed login; by default the login is the email, verified. */
  account?: (login: string) => TestIdpAccount;
};

export type TestIdp = { issuer: string; close: () => Promise<void> };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export async function startTestIdp(o: TestIdpOptions): Promise<TestIdp> {
  const host = o.host ?? "127.0.0.1";
  const accountOf = o.account ?? ((login: string) => ({ email: login, email_verified: true }));
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: o.clientId,
        client_secret: o.clientSecret,
        redirect_uris: o.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    conformIdTokenClaims: o.emailOnlyInUserinfo ?? true,
    cookies: { keys: ["test-idp-cookie-key"] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = accountOf(sub);
      return { accountId: sub, claims: async () => ({ sub, ...account }) };
    },
  });
  provider.proxy = false;
  const callback = provider.callback();

  server.on("request", (req, res) => {
    const match = req.url?.match(/^\/interaction\/([\w-]+)$/);
    if (!match) return void callback(req, res);
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (req.method === "GET") {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          res.end(
            `<!doctype html><title>Test identity provider</title><h1>Test identity provider</h1>` +
              `<form method="post" action="/interaction/${escapeHtml(details.uid)}"><label>Email <input name="login" type="email" autofocus required></label>` +
              `<button type="submit">Sign in</button></form>`,
          );
          return;
        }
        const login = (await readForm(req)).get("login")?.trim();
        if (!login) {
          res.writeHead(400).end("login required");
          return;
        }
        // Log in and consent to everything asked in one step.
        const grant = new provider.Grant({ accountId: login, clientId: String(details.params.client_id) });
        grant.addOIDCScope(String(details.params.scope ?? "openid"));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId: login }, consent: { grantId } }, { mergeWithLastSubmission: false });
      } catch (err) {
        res.writeHead(500).end(String(err));
      }
    })();
  });

  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
