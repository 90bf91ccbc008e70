"use client";
// The Alerts page's "Check now": the problem scan for this organization at once, instead of at the next
// scheduled run (after fixing something, or where schedules are off). The answer says what it opened and resolved.
import { checkNowAction } from "@/app/(app)/alerts/actions";
import { useFormAction } from "@/components/action-feedback";

export function CheckNowForm() {
  const [, action, pending] = useFormAction(checkNowAction);
  return (
    <form action={action} data-testid="check-now">
      <button disabled={pending} className="rounded border border-slate-300 px-2 py-0.5 text-xs font-medium text-slate-900 hover:bg-slate-100 disabled:opacity-50">
        {pending ? "Checking…" : "Check now"}
      </button>
    </form>
  );
}
