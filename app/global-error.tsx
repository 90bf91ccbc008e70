"use client";
// When even the root layout fails: no stylesheet can be relied on, so the styles are inline.

export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", margin: 0, background: "#f8fafc", color: "#0f172a" }}>
        <main style={{ maxWidth: 560, margin: "0 auto", padding: "64px 16px" }}>
          <h1 style={{ fontSize: 24, fontWeight: 600 }}>Atlas could not start this page</h1>
          <p>Nothing was changed. The server may be restarting or unable to reach its database.</p>
          <ol style={{ paddingLeft: 20, lineHeight: 1.6 }}>
            <li>Wait a minute, then try again.</li>
            <li>If it keeps failing, an administrator finds the cause in the server&apos;s log{error.digest ? <> (digest <code>{error.digest}</code>)</> : null}.</li>
          </ol>
          <button
            onClick={reset}
            style={{ marginTop: 16, padding: "6px 12px", borderRadius: 6, border: 0, background: "#4f46e5", color: "white", fontSize: 14, cursor: "pointer" }}
          >
            Try again
          </button>
        </main>
      </body>
    </html>
  );
}
