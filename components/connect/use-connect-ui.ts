"use client";
// Runs Nango's Connect UI (the popup of @nangohq/frontend) and follows what happens next: after the
// `connect` event the connection is "pending" until Nango's auth webhook has reached Atlas; this hook polls
// /api/connections/status until the row is ACTIVE, then refreshes the server-rendered page around it.
import Nango, { type ConnectUI, type ConnectUIEvent } from "@nangohq/frontend";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import type { ConnectSession } from "@/app/(app)/connections/actions";
import type { ActionResult } from "@/lib/actions";

export type ConnectPhase =
  | { phase: "idle" }
  | { phase: "starting"; label: string }
  | { phase: "open"; label: string }
  | { phase: "pending"; label: string; nangoConnectionId: string; since: number }
  | { phase: "done"; label: string; connectionId: string }
  | { phase: "cancelled"; label: string }
  | { phase: "failed"; label: string; message: string };

/** How long to wait for the auth webhook before saying so (it still lands later; the page shows it then). */
const WEBHOOK_PATIENCE_MS = 60_000;

export function useConnectUi() {
  const router = useRouter();
  const [state, setState] = useState<ConnectPhase>({ phase: "idle" });
  const ui = useRef<ConnectUI | null>(null);
  const connected = useRef(false);

  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      ui.current?.close();
    };
  }, []);

  const pending = state.phase === "pending" ? state : null;
  const status = useQuery({
    queryKey: ["connection-status", pending?.nangoConnectionId],
    enabled: Boolean(pending),
    queryFn: async (): Promise<{ status: string; id?: string }> => {
      const res = await fetch(`/api/connections/status?nangoConnectionId=${encodeURIComponent(pending!.nangoConnectionId)}`);
      if (!res.ok) throw new Error(`status ${res.status}`);
      return res.json();
    },
    refetchInterval: 1000,
  });

  useEffect(() => {
    if (!pending) return;
    if (status.data?.status === "ACTIVE" && status.data.id) {
      // eslint-disable-next-line react-hooks/set-state-in-effect -- the status is polled from the server (an external system); the phase follows it once
      setState({ phase: "done", label: pending.label, connectionId: status.data.id });
      router.refresh();
    }
  }, [pending, status.data, router]);

  // Patience runs on a clock of its own: a status route that keeps failing must not spin forever.
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(
      () =>
        setState((s) =>
          s.phase === "pending"
            ? { phase: "failed", label: s.label, message: "Nango has not confirmed the connection yet. It appears here as soon as its webhook arrives." }
            : s,
        ),
      Math.max(0, pending.since + WEBHOOK_PATIENCE_MS - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [pending]);

  const open = useCallback(async (label: string, start: () => Promise<ActionResult<ConnectSession>>) => {
    setState({ phase: "starting", label });
    connected.current = false;
    const session = await start().catch(() => ({ ok: false as const, message: "Atlas could not start the connection. Try again." }));
    if (!mounted.current) return; // the person left the page meanwhile: no popup over another page
    if (!session.ok) {
      setState({ phase: "failed", label, message: session.message });
      return;
    }
    const nango = new Nango({ connectSessionToken: session.token });
    setState({ phase: "open", label });
    ui.current = nango.openConnectUI({
      baseURL: session.baseURL,
      apiURL: session.apiURL,
      onEvent: (event: ConnectUIEvent) => {
        if (event.type === "connect") {
          connected.current = true;
          setState({ phase: "pending", label, nangoConnectionId: event.payload.connectionId, since: Date.now() });
        } else if (event.type === "error") {
          setState({ phase: "failed", label, message: event.payload.errorMessage || "Nango reported an error; nothing was connected." });
        } else if (event.type === "close" && !connected.current) {
          setState((s) => (s.phase === "failed" ? s : { phase: "cancelled", label }));
        }
      },
    });
  }, []);

  return { state, open, reset: () => setState({ phase: "idle" }) };
}
