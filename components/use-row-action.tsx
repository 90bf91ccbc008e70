"use client";
// Kept for the row buttons written against it: a row action is now any action (components/action-feedback.tsx),
// whose answer shows in the page's one message region. Prefer useAction in new code.
import type { ActionResult } from "@/lib/actions";
import { useAction } from "./action-feedback";

export const useRowAction = useAction;

/** The answer used to be shown under the button; the message region shows it now, so this renders nothing. */
export function RowActionMessage(_props: { result: ActionResult | null; quietSuccess?: boolean }) {
  return null;
}
