// Who has to act on a connection's problem. One rule, used by the overview and the connection page.
import "server-only";
import { readConnectionMetadata } from "@/lib/data/connection-metadata";
import type { ErrorEntry } from "@/lib/data/error-entry";
import type { ConnectionStatus } from "@/lib/db/client";

export type LastError = ErrorEntry;
export type ActionOwner = "END_USER" | "ADMIN" | "TRANSIENT";

const TRANSIENT_CODES = new Set(["RATE_LIMIT", "PROVIDER_UNAVAILABLE", "TIMEOUT", "ZEP_UNAVAILABLE", "SERVER_ERROR"]);
const PERMISSION_CODES = new Set(["ACCESS_DENIED", "INSUFFICIENT_SCOPE", "PERMISSION_DENIED", "FORBIDDEN", "APP_NOT_INSTALLED"]);
const REAUTH_CODES = new Set(["TOKEN_EXPIRED", "TOKEN_REVOKED", "REFRESH_FAILED", "INVALID_GRANT", "UNAUTHORIZED"]);

export function whoMustAct(status: ConnectionStatus, code: string | undefined): ActionOwner {
  if (status === "EXPIRED" || (code && REAUTH_CODES.has(code))) return "END_USER";
  if (code && TRANSIENT_CODES.has(code)) return "TRANSIENT";
  if (code && PERMISSION_CODES.has(code)) return "ADMIN";
  return "ADMIN";
}

export const ACTION_LABEL: Record<ActionOwner, { title: string; hint: string }> = {
  END_USER: { title: "Owner must reconnect", hint: "The account's authorization expired or was revoked; its owner has to reconnect it." },
  ADMIN: { title: "Admin must fix permissions", hint: "The provider refused access; grant the missing permission or repository, then sync again." },
  TRANSIENT: { title: "Will retry by itself", hint: "A rate limit or provider outage; Atlas retries automatically." },
};

/** metadata.lastError, if it has the seed's shape. */
export function lastErrorOf(metadata: unknown): LastError | null {
  return readConnectionMetadata(metadata).lastError ?? null;
}
