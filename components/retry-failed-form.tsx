"use client";
import { retryFailedRecordsAction } from "@/app/(app)/failed-records/actions";
import { useFormAction } from "@/components/action-feedback";

/** The failed-records table inside one form: its checkboxes pick rows, the buttons retry them or all. */
export function RetryFailedForm({ filters, children }: { filters: Record<string, string | undefined>; children: React.ReactNode }) {
  const [, action, pending] = useFormAction(retryFailedRecordsAction);
  return (
    <form action={action} className="space-y-3">
      {Object.entries(filters).map(([k, v]) => (v ? <input key={k} type="hidden" name={k} value={v} /> : null))}
      {children}
      <div className="flex flex-wrap items-center gap-3">
        <button name="scope" value="selected" disabled={pending} className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
          Retry selected
        </button>
        <button name="scope" value="all" disabled={pending} className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-50 disabled:opacity-50">
          Retry all matching (up to 500)
        </button>
      </div>
    </form>
  );
}
