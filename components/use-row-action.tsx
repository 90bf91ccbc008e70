"use client";
// What a small per-row action button needs: run a server action in a transition, keep its answer to show
// beside the button, and refresh the page's server data afterwards. Retry, cancel and pause/resume share it.
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/actions";

export function useRowAction() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [result, setResult] = useState<ActionResult | null>(null);
  const run = (action: () => Promise<ActionResult>, after?: (r: ActionResult) => void) =>
    start(async () => {
      const r = await action();
      setResult(r);
      after?.(r);
      router.refresh();
    });
  return { pending, result, run };
}

/** The action's answer under its button; `quietSuccess` shows failures only. */
export function RowActionMessage({ result, quietSuccess = false }: { result: ActionResult | null; quietSuccess?: boolean }) {
  if (!result || (result.ok && quietSuccess)) return null;
  return (
    <span role="status" className={`text-xs ${result.ok ? "text-emerald-800" : "text-rose-800"}`}>
      {result.message}
    </span>
  );
}
