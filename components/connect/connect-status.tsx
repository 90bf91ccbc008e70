"use client";
import Link from "next/link";
import type { ConnectPhase } from "./use-connect-ui";

/** One line that says where a Connect UI flow stands; read out by screen readers as it changes. */
export function ConnectStatus({ state, onDismiss }: { state: ConnectPhase; onDismiss: () => void }) {
  if (state.phase === "idle") return null;
  const tone =
    state.phase === "failed" ? "border-rose-200 bg-rose-50 text-rose-900"
    : state.phase === "done" ? "border-emerald-200 bg-emerald-50 text-emerald-900"
    : "border-slate-200 bg-slate-50 text-slate-800";
  const text = {
    starting: `Opening Nango for ${state.label}…`,
    open: `Finish in the Nango window to connect ${state.label}.`,
    pending: `${state.label} authorized. Waiting for Nango to confirm the connection…`,
    done: `${state.label} is connected.`,
    cancelled: `The Nango window was closed before ${state.label} was connected. Nothing changed.`,
    failed: state.phase === "failed" ? state.message : "",
  }[state.phase];
  return (
    <div role="status" aria-live="polite" data-testid="connect-status" data-phase={state.phase} className={`flex flex-wrap items-center gap-3 rounded-md border px-3 py-2 text-sm ${tone}`}>
      {(state.phase === "pending" || state.phase === "starting") && (
        <span aria-hidden className="h-3 w-3 animate-spin rounded-full border-2 border-slate-400 border-t-transparent" />
      )}
      <span>{text}</span>
      {state.phase === "done" && (
        <Link href={`/connections/${state.connectionId}`} className="font-medium text-indigo-700 underline">
          View connection
        </Link>
      )}
      {(state.phase === "done" || state.phase === "cancelled" || state.phase === "failed") && (
        <button type="button" onClick={onDismiss} className="ml-auto text-xs text-slate-600 underline">
          Dismiss
        </button>
      )}
    </div>
  );
}
