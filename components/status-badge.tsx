const STYLES: Record<string, string> = {
  ACTIVE: "bg-emerald-100 text-emerald-900 ring-emerald-600/20",
  COMPLETED: "bg-emerald-100 text-emerald-900 ring-emerald-600/20",
  INACTIVE: "bg-slate-100 text-slate-700 ring-slate-500/20",
  PENDING: "bg-slate-100 text-slate-700 ring-slate-500/20",
  IN_PROGRESS: "bg-sky-100 text-sky-900 ring-sky-600/20",
  ERROR: "bg-rose-100 text-rose-900 ring-rose-600/20",
  FAILED: "bg-rose-100 text-rose-900 ring-rose-600/20",
  EXPIRED: "bg-amber-100 text-amber-900 ring-amber-600/20",
  // A running job without progress (lib/ops/stalled.ts); a connection whose syncs are paused.
  STALLED: "bg-orange-100 text-orange-900 ring-orange-600/20",
  PAUSED: "bg-violet-100 text-violet-900 ring-violet-600/20",
  // Alert deliveries (PENDING and FAILED as above)
  SENT: "bg-emerald-100 text-emerald-900 ring-emerald-600/20",
  // Webhook deliveries
  APPLIED: "bg-emerald-100 text-emerald-900 ring-emerald-600/20",
  DUPLICATE: "bg-slate-100 text-slate-700 ring-slate-500/20",
  IGNORED: "bg-sky-100 text-sky-900 ring-sky-600/20",
  REJECTED: "bg-rose-100 text-rose-900 ring-rose-600/20",
  // People: invited, never signed in
  INVITED: "bg-amber-100 text-amber-900 ring-amber-600/20",
};

const LABELS: Record<string, string> = { IN_PROGRESS: "In progress", INVITED: "Pending invitation" };

export function StatusBadge({ status }: { status: string }) {
  const label = LABELS[status] ?? status.charAt(0) + status.slice(1).toLowerCase();
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${STYLES[status] ?? STYLES.INACTIVE}`}>
      {label}
    </span>
  );
}
