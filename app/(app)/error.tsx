"use client";
import Link from "next/link";
import { useViewerRole } from "@/components/viewer-role";

/** A page that failed to load: what happened, and what this viewer can do about it. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const role = useViewerRole();
  const reference = error.digest ?? null;
  return (
    <div role="alert" className="rounded-lg border border-rose-200 bg-white p-6">
      <h1 className="text-lg font-semibold text-rose-900">This page could not be loaded</h1>
      <p className="mt-2 text-sm text-slate-700">Nothing was changed. It is often a passing problem (the database or a service was busy).</p>
      <ol className="mt-3 list-decimal space-y-1 pl-5 text-sm text-slate-700">
        <li>Try again now.</li>
        <li>
          If the page still fails, open another one from the menu above, or go back to the{" "}
          <Link href="/" className="text-indigo-700 underline">
            overview
          </Link>
          .
        </li>
        {role === "ADMIN" ? (
          <li>
            If it keeps failing, the server&apos;s log says why: look for the latest error
            {reference ? (
              <>
                {" "}with digest <code className="rounded bg-slate-100 px-1">{reference}</code>
              </>
            ) : null}
            . The readiness check at{" "}
            <a href="/api/ready" className="text-indigo-700 underline">
              /api/ready
            </a>{" "}
            tells whether the database, the queue, Nango and Zep are up.
          </li>
        ) : (
          <li>
            If it keeps failing, tell an administrator of your organization what you were doing
            {reference ? (
              <>
                {" "}and this reference: <code className="rounded bg-slate-100 px-1">{reference}</code>
              </>
            ) : null}
            .
          </li>
        )}
      </ol>
      <button onClick={reset} className="mt-4 rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700">
        Try again
      </button>
    </div>
  );
}
