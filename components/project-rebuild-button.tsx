"use client";
// "Rebuild project" on the Knowledge page: one rebuild per connection feeding the project (each connection's
// page follows its own). Asks first, in the page.
import { useState } from "react";
import { rebuildProjectAction } from "@/app/(app)/knowledge/actions";
import { useAction } from "@/components/action-feedback";

export function ProjectRebuildButton({ projectKey, projectName }: { projectKey: string; projectName: string }) {
  const { pending, run } = useAction();
  const [asking, setAsking] = useState(false);
  const button = "rounded border px-2 py-0.5 text-xs font-medium disabled:opacity-50";
  return (
    <span className="inline-flex flex-col items-end gap-1">
      {asking ? (
        <span className="inline-flex flex-wrap items-center gap-1" role="group" aria-label={`Confirm rebuilding ${projectName}`}>
          <span className="text-xs">Read all its connections&apos; records again?</span>
          <button type="button" disabled={pending} className={`${button} border-indigo-300 text-indigo-800 hover:bg-indigo-50`} onClick={() => run(() => rebuildProjectAction(projectKey), () => setAsking(false))}>
            Rebuild
          </button>
          <button type="button" className={`${button} border-slate-300 hover:bg-slate-100`} onClick={() => setAsking(false)}>
            Keep
          </button>
        </span>
      ) : (
        <button type="button" className={`${button} border-slate-300 hover:bg-slate-100`} onClick={() => setAsking(true)} aria-label={`Rebuild project ${projectName}`}>
          Rebuild project
        </button>
      )}
    </span>
  );
}
