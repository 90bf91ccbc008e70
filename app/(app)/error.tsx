"use client";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div role="alert" className="rounded-lg border border-rose-200 bg-white p-6">
      <h1 className="text-lg font-semibold text-rose-900">Something went wrong loading this page</h1>
      <p className="mt-2 text-sm text-slate-700">
        Nothing was changed. Try again; if it keeps failing, quote this reference to your administrator:{" "}
        <code>{error.digest ?? "n/a"}</code>
      </p>
      <button onClick={reset} className="mt-4 rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700">
        Try again
      </button>
    </div>
  );
}
