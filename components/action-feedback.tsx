"use client";
// Every action's answer, shown one way: a message in a fixed corner of the page, in a live region that is
// always in the page (a region inserted together with its text is not reliably read out). Successes are
// polite and go after a while; failures are an alert and stay until dismissed or replaced. The region sits
// in the app layout, so a message outlives what the action removed (a deleted row, a page left behind).
// Components never render their own: forms use useFormAction, buttons useAction.
import { useRouter } from "next/navigation";
import { createContext, useActionState, useCallback, useContext, useEffect, useState, useTransition } from "react";
import type { ActionResult } from "@/lib/actions";

const SUCCESS_MS = 8_000;
const UNREACHABLE = { ok: false as const, message: "Atlas could not be reached. Try again." };

type Shown = { result: ActionResult; key: number };
const Show = createContext<((result: ActionResult) => void) | null>(null);

export function ActionFeedbackProvider({ children }: { children: React.ReactNode }) {
  const [shown, setShown] = useState<Shown | null>(null);
  const [held, setHeld] = useState(false);
  const show = useCallback((result: ActionResult) => setShown((s) => ({ result, key: (s?.key ?? 0) + 1 })), []);
  const success = shown?.result.ok ? shown : null;
  const failure = shown && !shown.result.ok ? shown : null;

  // A success goes on its own, unless the pointer or focus is on it (time to read it, WCAG 2.2.1).
  useEffect(() => {
    if (!success || held) return;
    const timer = setTimeout(() => setShown((s) => (s?.key === success.key ? null : s)), SUCCESS_MS);
    return () => clearTimeout(timer);
  }, [success, held]);

  const message = (s: Shown) => (
    <div
      key={s.key}
      data-testid="action-result"
      data-ok={s.result.ok}
      className={`pointer-events-auto flex items-start gap-3 rounded-lg border px-4 py-3 text-sm shadow-lg [overflow-wrap:anywhere] ${
        s.result.ok ? "border-emerald-300 bg-emerald-50 text-emerald-950" : "border-rose-300 bg-rose-50 text-rose-950"
      }`}
    >
      <span aria-hidden className={`mt-0.5 flex h-4 w-4 shrink-0 items-center justify-center rounded-full text-[10px] font-bold text-white ${s.result.ok ? "bg-emerald-700" : "bg-rose-700"}`}>
        {s.result.ok ? "✓" : "!"}
      </span>
      <p className="min-w-0 flex-1">{s.result.message}</p>
      <button type="button" onClick={() => setShown(null)} aria-label="Close message" className="-my-1 shrink-0 rounded px-1 text-lg leading-none opacity-70 hover:opacity-100">
        ×
      </button>
    </div>
  );

  return (
    <Show.Provider value={show}>
      {children}
      <div
        className="pointer-events-none fixed inset-x-3 bottom-3 z-50 flex flex-col items-stretch gap-2 sm:inset-x-auto sm:right-4 sm:bottom-4 sm:w-96"
        onPointerEnter={() => setHeld(true)}
        onPointerLeave={() => setHeld(false)}
        onFocus={() => setHeld(true)}
        onBlur={() => setHeld(false)}
      >
        <div role="status" aria-live="polite" aria-atomic="true">
          {success && message(success)}
        </div>
        <div role="alert" aria-atomic="true">
          {failure && message(failure)}
        </div>
      </div>
    </Show.Provider>
  );
}

/** Shows an action's answer in the page's one message region. */
export function useActionFeedback() {
  const show = useContext(Show);
  if (!show) throw new Error("useActionFeedback needs ActionFeedbackProvider (app/(app)/layout.tsx)");
  return show;
}

/**
 * A button's action: runs in a transition, shows the answer, refreshes the page's server data.
 * `after` runs on success only; `leaves` skips the refresh when `after` navigates away.
 */
export function useAction() {
  const router = useRouter();
  const show = useActionFeedback();
  const [pending, start] = useTransition();
  const [result, setResult] = useState<ActionResult | null>(null);
  const run = <R extends ActionResult>(action: () => Promise<R>, after?: (r: Extract<R, { ok: true }>) => void, leaves = false) =>
    start(async () => {
      const r: R | typeof UNREACHABLE = await action().catch(() => UNREACHABLE);
      setResult(r);
      show(r);
      if (r.ok) after?.(r as Extract<R, { ok: true }>);
      if (!(r.ok && leaves)) router.refresh();
    });
  return { pending, result, run };
}

/**
 * `useActionState` for a <form> whose action is a defineFormAction: the same, and every answer shown. Shown
 * from the action itself, not an effect of this component: a removal unmounts the row that holds the form.
 */
export function useFormAction<R extends ActionResult>(action: (previous: R | null, form: FormData) => Promise<R>) {
  const show = useActionFeedback();
  return useActionState(async (previous: R | null, form: FormData) => {
    const r = await action(previous, form).catch(() => UNREACHABLE as R);
    show(r);
    return r;
  }, null);
}
