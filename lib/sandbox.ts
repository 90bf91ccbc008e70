// Sandbox mode: local stand-ins for Nango and Zep, and sign-in as any demo user. It is on only when
// ATLAS_SANDBOX is exactly "1": a production deployment that sets nothing can never run it by accident.
export function isSandbox(): boolean {
  return process.env.ATLAS_SANDBOX === "1";
}

export class SandboxOnlyError extends Error {
  constructor() {
    super("Only available in sandbox mode.");
    this.name = "SandboxOnlyError";
  }
}

/**
 * "Simulate sync": asks the Nango sandbox to run one sync of a connection, as Nango would on its schedule
 * (new and changed records, then the signed sync webhook to our route). Sandbox control, not Nango's API,
 * so it exists only here and only in sandbox mode.
 */
export async function simulateSandboxSync(nangoConnectionId: string, changes: { added?: number; updated?: number; deleted?: number } = {}) {
  if (!isSandbox()) throw new SandboxOnlyError();
  const host = process.env.NANGO_HOST;
  if (!host) throw new Error("NANGO_HOST is not set: is the Nango sandbox running (npm start)?");
  const res = await fetch(`${host}/_sandbox/connections/${encodeURIComponent(nangoConnectionId)}/sync`, {
    method: "POST",
    headers: { Authorization: `Bearer ${process.env.NANGO_SECRET_KEY ?? ""}`, "Content-Type": "application/json" },
    body: JSON.stringify({ added: 12, updated: 3, deleted: 1, ...changes }),
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `The Nango sandbox answered ${res.status}.`);
  }
}
