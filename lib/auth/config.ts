// Web sign-in (Auth.js v5, JWT sessions). The schema's Session model holds Nango connect sessions, not
// web sessions, so no database adapter: we resolve the organization's own User by email instead, and
// nobody without a User row (an invitation) can sign in.
import "server-only";
import NextAuth, { type NextAuthConfig } from "next-auth";
import type { Provider } from "next-auth/providers";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import { z } from "zod";
import { prisma } from "@/lib/db/client";
import { getEnv } from "@/lib/env";
import { isSandbox } from "@/lib/sandbox";

export const SANDBOX_PROVIDER_ID = "sandbox";

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
  callbacks: {
    // Only invited people: an email with a User row. Anyone else is sent to the "not invited" page.
    async signIn({ user }) {
      const email = user.email?.toLowerCase();
      if (!email) return "/not-invited";
      const known = await prisma.user.findUnique({ where: { email }, select: { id: true } });
      return known ? true : "/not-invited";
    },
    async jwt({ token, user }) {
      if (user?.email) {
        const known = await prisma.user.findUnique({ where: { email: user.email.toLowerCase() }, select: { id: true } });
        token.atlasUserId = known?.id;
      }
      return token;
    },
    session({ session, token }) {
      if (typeof token.atlasUserId === "string") session.user.id = token.atlasUserId;
      return session;
    },
  },
} satisfies NextAuthConfig;

export const { handlers, auth, signIn, signOut } = NextAuth(authConfig);

export function signInProviders() {
  return authConfig.providers.map((p) => {
    const provider = typeof p === "function" ? p() : p;
    // Auth.js applies user options (our id, name) over the provider's defaults at request time.
    const options = (provider as { options?: { id?: string; name?: string } }).options;
    return { id: options?.id ?? provider.id, name: options?.name ?? provider.name };
  });
}
