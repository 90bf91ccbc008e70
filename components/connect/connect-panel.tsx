"use client";
// "Connect an account": one button per provider, and the project the new connection will feed.
import { useState } from "react";
import { startConnectAction } from "@/app/(app)/connections/actions";
import { providerName } from "@/components/provider-name";
import { ConnectStatus } from "./connect-status";
import { useConnectUi } from "./use-connect-ui";

type Props = { providers: string[]; projects: { key: string; name: string }[] };

export function ConnectPanel({ providers, projects }: Props) {
  const { state, open, reset } = useConnectUi();
  const [project, setProject] = useState(projects[0]?.key ?? "default");
  const busy = state.phase === "starting" || state.phase === "open" || state.phase === "pending";
  return (
    <section aria-labelledby="connect-title" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0">
          <h2 id="connect-title" className="text-base font-semibold">
            Connect an account
          </h2>
          <p className="text-sm text-slate-600">Authorize in Nango&apos;s window; Atlas then syncs it into your knowledge graph.</p>
        </div>
        {projects.length > 1 && (
          <div className="flex min-w-0 max-w-full flex-col text-xs font-medium text-slate-700 sm:max-w-xs">
            <label htmlFor="connect-project">Feeds project</label>
            <select
              id="connect-project"
              value={project}
              onChange={(e) => setProject(e.target.value)}
              className="mt-1 w-full min-w-0 truncate rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
              data-testid="connect-project"
            >
              {projects.map((p) => (
                <option key={p.key} value={p.key}>
                  {p.name}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <div className="flex flex-wrap gap-2">
        {providers.map((p) => (
          <button
            key={p}
            type="button"
            disabled={busy}
            onClick={() => void open(providerName(p), () => startConnectAction({ provider: p, project }))}
            className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50"
          >
            Connect {providerName(p)}
          </button>
        ))}
      </div>
      <ConnectStatus state={state} onDismiss={reset} />
    </section>
  );
}
