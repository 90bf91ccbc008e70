// One line on the overview: stalled syncs and paused connections, each linking to its filtered list.
import Link from "next/link";
import type { Scope } from "@/lib/data/scope";
import { opsSummary } from "@/lib/ops/summary";
import { getEnv } from "@/lib/env";

export async function OpsSummary({ scope }: { scope: Scope }) {
  const { stalled, paused, autoPaused } = await opsSummary(scope);
  const minutes = getEnv().ATLAS_STALLED_AFTER_MINUTES;
  return (
    <p className="flex flex-wrap gap-x-6 gap-y-1 rounded-lg border border-slate-200 bg-white px-4 py-2 text-sm" data-testid="ops-summary">
      <span data-testid="stalled-count" className={stalled ? "font-medium text-orange-800" : "text-slate-600"}>
        {stalled === 0 ? (
          "No stalled syncs"
        ) : (
          <Link href="/syncs?status=STALLED" className="hover:underline">
            {stalled} stalled sync{stalled === 1 ? "" : "s"} (no progress for {minutes}+ minutes)
          </Link>
        )}
      </span>
      <span data-testid="paused-count" className={paused ? "font-medium text-violet-800" : "text-slate-600"}>
        {paused === 0 ? (
          "No paused connections"
        ) : (
          <Link href="/connections?syncs=paused" className="hover:underline">
            {paused} connection{paused === 1 ? "" : "s"} paused{autoPaused ? `, ${autoPaused} by Atlas after failed syncs` : ""}
          </Link>
        )}
      </span>
    </p>
  );
}
