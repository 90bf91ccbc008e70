import { redirect } from "next/navigation";
import { signInAsDemoUser, signInWithProvider } from "@/app/actions/auth";
import { SANDBOX_PROVIDER_ID, SIGN_IN_ERRORS, signInProviders } from "@/lib/auth/config";
import { findViewer } from "@/lib/auth/viewer";
import { prisma } from "@/lib/db/client";
import { isSandbox } from "@/lib/sandbox";

export const metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

async function demoUsers() {
  return prisma.organization.findMany({
    orderBy: { name: "asc" },
    take: 10,
    select: { id: true, name: true, users: { orderBy: [{ role: "asc" }, { name: "asc" }], take: 10, select: { email: true, name: true, role: true } } },
  });
}

// Each failure says what went wrong; "not invited" has a page of its own (/not-invited). The details of a
// misconfiguration are in the server's log, not in the browser.
function signInErrorMessage(code: string): string {
  switch (code) {
    case SIGN_IN_ERRORS.noEmail:
      return "Sign-in failed: the identity provider did not give Atlas an email address. Ask your administrator to allow the email scope for Atlas.";
    case SIGN_IN_ERRORS.unverified:
      return "Sign-in failed: the identity provider has not verified your email address. Verify it there, then try again.";
    case "CredentialsSignin":
      return "Sign-in failed: no such demo user.";
    case "Configuration":
      return "Sign-in did not complete: the identity provider refused the request or this server's sign-in settings are wrong. An administrator finds the reason in the server log.";
    default:
      return "Sign-in failed. Try again; if it keeps failing, an administrator finds the reason in the server log.";
  }
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  if (await findViewer()) redirect("/");
  const { error } = await searchParams;
  const providers = signInProviders().filter((p) => p.id !== SANDBOX_PROVIDER_ID);
  const orgs = isSandbox() ? await demoUsers() : [];
  return (
    <main className="mx-auto max-w-lg px-4 py-12">
      <h1 className="text-3xl font-semibold text-indigo-700">Atlas</h1>
      <p className="mt-1 text-slate-700">Sign in to see your organization&apos;s connections and syncs.</p>
      {error && (
        <p role="alert" className="mt-4 rounded-md bg-rose-50 p-3 text-sm text-rose-900">
          {signInErrorMessage(error)}
        </p>
      )}
      {providers.length > 0 && (
        <div className="mt-6 space-y-2">
          {providers.map((p) => (
            <form key={p.id} action={signInWithProvider}>
              <input type="hidden" name="provider" value={p.id} />
              <button className="w-full rounded-md bg-slate-900 px-4 py-2 font-medium text-white hover:bg-slate-700">Sign in with {p.name}</button>
            </form>
          ))}
        </div>
      )}
      {isSandbox() && (
        <section className="mt-8 rounded-lg border border-amber-300 bg-amber-50 p-4" data-testid="sandbox-signin">
          <h2 className="font-semibold text-amber-950">Sandbox: sign in as a demo user</h2>
          <p className="text-sm text-amber-900">Local sandbox mode only (ATLAS_SANDBOX=1). No password needed.</p>
          {orgs.map((org) => (
            <div key={org.id} className="mt-4">
              <h3 className="text-sm font-medium text-slate-900">{org.name}</h3>
              <ul className="mt-1 space-y-1">
                {org.users.map((u) => (
                  <li key={u.email}>
                    <form action={signInAsDemoUser}>
                      <input type="hidden" name="email" value={u.email} />
                      <button className="w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-left text-sm hover:bg-slate-100">
                        {u.name ?? u.email} <span className="text-slate-600">· {u.role === "ADMIN" ? "admin" : "member"} · {u.email}</span>
                      </button>
                    </form>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </section>
      )}
      {providers.length === 0 && !isSandbox() && (
        <p role="alert" className="mt-6 rounded-md bg-amber-50 p-3 text-sm text-amber-900">
          No sign-in provider is configured. Set AUTH_GITHUB_ID and AUTH_GITHUB_SECRET (or the AUTH_OIDC_* variables), or run
          the local sandbox with ATLAS_SANDBOX=1.
        </p>
      )}
    </main>
  );
}
