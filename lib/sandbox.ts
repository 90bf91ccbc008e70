import "server-only";
import { getEnv } from "@/lib/env";
import { ForbiddenError } from "@/lib/errors";

// Sandbox mode: local stand-ins for Nango and Zep, and sign-in as any demo user. It is on only when
// ATLAS_SANDBOX is exactly "1": a production deployment that sets nothing can never run it by accident.
export function isSandbox(): boolean {
  return getEnv().ATLAS_SANDBOX;
}

export class SandboxOnlyError extends ForbiddenError {
  constructor() {
    super("Only available in sandbox mode.");
  }
}

/**
 * "Simulate sync": asks the Nango sandbox to run one sync of a connection, as Nango would on its schedule
 * (new and changed records, then the signed sync webhook to our route). Sandbox control, not Nango's API,
 * so it exists only here and only in sandbox mode.
 */
export async function simulateSandboxSync(nangoConnectionId: string, changes: { added?: number; updated?: number; deleted?: number } = {}) {
  if (!isSandbox()) throw new SandboxOnlyError();
  const { NANGO_HOST: host, NANGO_SECRET_KEY } = getEnv();
  const res = await fetch(`${host}/_sandbox/connections/${encodeURIComponent(nangoConnectionId)}/sync`, {
    method: "POST",
    headers: { Authorization: `Bearer ${NANGO_SECRET_KEY ?? ""}`, "Content-Type": "application/json" },
    body: JSON.stringify({ added: 12, updated: 3, deleted: 1, ...changes }),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `The Nango sandbox answered ${res.status}.`);
  }
}
