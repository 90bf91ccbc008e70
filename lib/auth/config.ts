// Web sign-in (Auth.js v5, JWT sessions). The schema's Session model holds Nango connect sessions, not
// web sessions, so no database adapter: we resolve the organization's own User by email instead, and
// nobody without a User row (an invitation) can sign in. A session cookie is a credential only while its
// User row exists: every read of the session re-checks it (one primary-key lookup), so a removed user's
// cookie answers nothing and is cleared.
import "server-only";
import NextAuth, { type NextAuthConfig } from "next-auth";
import type { Provider } from "next-auth/providers";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import { z } from "zod";
import { recordSignIn } from "@/lib/data/users";
import { prisma } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { log } from "@/lib/log";
import { isSandbox } from "@/lib/sandbox";

export const SANDBOX_PROVIDER_ID = "sandbox";

/** Our own sign-in refusals, as /signin?error= codes beside Auth.js's (Configuration, AccessDenied, ...). */
export const SIGN_IN_ERRORS = { noEmail: "NoEmail", unverified: "EmailUnverified" } as const;

function configuredProviders(): Provider[] {
  const providers: Provider[] = [];
  const env = getEnv();
  if (env.AUTH_GITHUB_ID && env.AUTH_GITHUB_SECRET) {
    providers.push(GitHub({ clientId: env.AUTH_GITHUB_ID, clientSecret: env.AUTH_GITHUB_SECRET }));
  }
  if (env.AUTH_OIDC_ISSUER && env.AUTH_OIDC_ID && env.AUTH_OIDC_SECRET) {
    providers.push({
      id: "oidc",
      name: env.AUTH_OIDC_NAME,
      type: "oidc",
      issuer: env.AUTH_OIDC_ISSUER,
      clientId: env.AUTH_OIDC_ID,
      clientSecret: env.AUTH_OIDC_SECRET,
      // Ask the userinfo endpoint too: many providers (oidc-provider's default among them) keep `email`
      // and `email_verified` out of the ID token. The ID token is still required and checked, and the
      // userinfo answer must be about the same subject.
      idToken: false,
    });
  }
  if (isSandbox()) {
    providers.push(
      Credentials({
        id: SANDBOX_PROVIDER_ID,
        name: "Sandbox demo user",
        credentials: { email: { label: "Email", type: "email" } },
        async authorize(raw) {
          const parsed = z.object({ email: z.email() }).safeParse(raw);
          if (!parsed.success) return null;
          const user = await prisma.user.findUnique({
            where: { email: parsed.data.email.toLowerCase() },
            select: { id: true, email: true, name: true },
          });
          return user;
        },
      }),
    );
  }
  return providers;
}

export const authConfig = {
  providers: configuredProviders(),
  session: { strategy: "jwt" },
  trustHost: true,
  // Sandbox runs get a fixed local secret so a newcomer needs no setup; everywhere else AUTH_SECRET is required.
  secret: getEnv().AUTH_SECRET ?? (isSandbox() ? "atlas-sandbox-secret-not-for-production" : undefined),
  pages: { signIn: "/signin", error: "/signin" },
  // Auth.js's own reasons (a redirect_uri the provider refused, a wrong client secret, an unreachable
  // issuer) go to our log; the browser only gets an error code (see app/signin).
  logger: {
    error(error) {
      // Auth.js wraps the underlying failure as cause.err, with the provider's answer beside it.
      const { err: cause, ...details } = ((error as { cause?: unknown }).cause ?? {}) as { err?: unknown } & Record<string, unknown>;
      const type = (error as { type?: string }).type ?? error.name;
      const reason = providerAnswer(cause) ?? (cause instanceof Error ? cause.message : error.message.replace(/\.? ?Read more at \S+$/, ""));
      log.error({ type, reason, details, err: cause instanceof Error ? cause : error }, `sign-in failed: ${type}: ${reason}`);
    },
    warn(code) {
      log.warn({ code }, "sign-in warning");
    },
    debug(message, metadata) {
      log.debug({ metadata }, message);
    },
  },
  events: {
    // The one place a sign-in is recorded: after every check passed and the session exists. The People
    // page reads it (last sign-in; never signed in = pending invitation).
    async signIn({ user }) {
      if (user.email) await recordSignIn(user.email);
    },
  },
  callbacks: {
    // Only invited people: an email with a User row. Anyone else is sent to the "not invited" page.
    async signIn({ user, account, profile }) {
      const email = user.email?.toLowerCase();
      if (!email) {
        log.warn({ provider: account?.provider }, "sign-in refused: the identity provider gave no email address");
        return `/signin?error=${SIGN_IN_ERRORS.noEmail}`;
      }
      // An address the provider itself has not verified proves nothing about who signs in.
      if (profile?.email_verified === false) {
        log.warn({ provider: account?.provider, email }, "sign-in refused: the identity provider marks the email unverified");
        return `/signin?error=${SIGN_IN_ERRORS.unverified}`;
      }
      const known = await prisma.user.findUnique({ where: { email }, select: { id: true } });
      if (!known) log.info({ provider: account?.provider, email }, "sign-in refused: not invited");
      return known ? true : "/not-invited";
    },
    async jwt({ token, user }) {
      if (user?.email) {
        const known = await prisma.user.findUnique({ where: { email: user.email.toLowerCase() }, select: { id: true } });
        token.atlasUserId = known?.id;
      }
      if (typeof token.atlasUserId !== "string") return null;
      // Every session read: the user must still exist; name and email come from Atlas, not the old token.
      const current = await prisma.user.findUnique({ where: { id: token.atlasUserId }, select: { email: true, name: true } });
      if (!current) return null; // Auth.js clears the cookie and answers no session
      token.email = current.email;
      token.name = current.name;
      return token;
    },
    session({ session, token }) {
      if (typeof token.atlasUserId === "string") session.user.id = token.atlasUserId;
      return session;
    },
  },
} satisfies NextAuthConfig;

export const { handlers, auth, signIn, signOut } = NextAuth(authConfig);

/**
 * The identity provider's own words ("invalid_client: client authentication failed"), from an OAuth error
 * body or a WWW-Authenticate challenge, as oauth4webapi reports them.
 */
function providerAnswer(err: unknown): string | undefined {
  const candidates = [err, ...(Array.isArray((err as { cause?: unknown })?.cause) ? ((err as { cause: unknown[] }).cause as unknown[]).map((c) => (c as { parameters?: unknown })?.parameters) : [])];
  for (const c of candidates) {
    const { error, error_description } = (c ?? {}) as { error?: unknown; error_description?: unknown };
    if (typeof error === "string") return typeof error_description === "string" ? `${error}: ${error_description}` : error;
  }
  return undefined;
}

export function signInProviders() {
  return authConfig.providers.map((p) => {
    const provider = typeof p === "function" ? p() : p;
    // Auth.js applies user options (our id, name) over the provider's defaults at request time.
    const options = (provider as { options?: { id?: string; name?: string } }).options;
    return { id: options?.id ?? provider.id, name: options?.name ?? provider.name };
  });
}
