// Nango signs each webhook with X-Nango-Hmac-Sha256 = hex HMAC-SHA256(signing key, raw body). Checked here
// over the exact bytes received, against the current key and, during a rotation, the previous one (Nango
// keeps signing with the old key until its cache expires). Fails closed: no key configured, nothing verifies.
import { createHmac, timingSafeEqual } from "node:crypto";

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export function signatureHeader(headers: Headers | Record<string, string>): string | undefined {
  if (headers instanceof Headers) return headers.get("x-nango-hmac-sha256") ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === "x-nango-hmac-sha256");
  return key ? headers[key] : undefined;
}

export function verifySignature(rawBody: Uint8Array, signature: string | undefined, keys: readonly string[]): boolean {
  if (!signature || !HEX_SHA256.test(signature.trim())) return false;
  const given = Buffer.from(signature.trim().toLowerCase(), "hex");
  // Every key is tried (no early exit), so the time taken says nothing about which one matched.
  let ok = false;
  for (const key of keys) {
    const expected = createHmac("sha256", key).update(rawBody).digest();
    ok = timingSafeEqual(expected, given) || ok;
  }
  return ok;
}
