import Link from "next/link";

export const metadata = { title: "Not invited" };

export default function NotInvitedPage() {
  return (
    <main className="mx-auto max-w-lg px-4 py-16">
      <h1 className="text-2xl font-semibold">You are not invited to any organization</h1>
      <p className="mt-3 text-slate-700">
        Atlas lets in only people an organization admin has invited by email. No account was created. Ask an admin of your
        organization to invite the email address you signed in with, then try again.
      </p>
      <Link href="/signin" className="mt-6 inline-block text-indigo-700 hover:underline">
        Back to sign-in
      </Link>
    </main>
  );
}
