// The signature of Atlas's generic webhook alerts (documented in docs/alerts.md): HMAC-SHA256 with the
// channel's secret over "<timestamp>.<raw body>", sent as `X-Atlas-Signature: t=<timestamp>,v1=<hex>`.
// The timestamp inside the signed text lets receivers refuse old replays.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-atlas-signature";

export function signatureFor(secret: string, body: string, timestamp: number): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

/** What a receiver does: recompute, compare in constant time, and refuse signatures older than `toleranceSeconds`. */
export function verifySignature(secret: string, body: string, header: string | undefined, nowSeconds = Math.floor(Date.now() / 1000), toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries((header ?? "").split(",").map((p) => p.split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1 || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const expected = Buffer.from(signatureFor(secret, body, t).split("v1=")[1]!, "hex");
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
