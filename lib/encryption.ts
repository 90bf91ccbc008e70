// Encryption at rest for values Atlas stores but never queries by (connection metadata's secret part):
// AES-256-GCM (authenticated: a changed byte is detected, never decrypted into garbage), a random 96-bit
// nonce per value, and the id of the key in every value, so keys can be rotated while old values stay
// readable. Keys come from ATLAS_ENCRYPTION_KEYS: "id:base64key[,id:base64key...]", the first one encrypts,
// all of them decrypt. A value reads "enc:v1:<key id>:<nonce>:<ciphertext+tag>" (base64url parts).
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { getEnv } from "@/lib/env";

export type KeyRing = { current: { id: string; key: Buffer }; keys: Map<string, Buffer> };

export class EncryptionError extends Error {
  name = "EncryptionError";
}

const PREFIX = "enc:v1:";
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses ATLAS_ENCRYPTION_KEYS; null when unset. Throws on a malformed entry (wrong length, bad id). */
export function parseKeyRing(spec: string | undefined): KeyRing | null {
  const entries = (spec ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  if (!entries.length) return null;
  const keys = new Map<string, Buffer>();
  for (const entry of entries) {
    const at = entry.indexOf(":");
    const id = entry.slice(0, at);
    const key = Buffer.from(entry.slice(at + 1), "base64");
    if (at < 1 || !KEY_ID.test(id)) throw new EncryptionError(`ATLAS_ENCRYPTION_KEYS: "${id || entry.slice(0, 8)}..." needs the form id:base64key (id: letters, digits, - or _)`);
    if (key.length !== 32) throw new EncryptionError(`ATLAS_ENCRYPTION_KEYS: key "${id}" must be 32 bytes (base64 of 32 random bytes: openssl rand -base64 32)`);
    if (keys.has(id)) throw new EncryptionError(`ATLAS_ENCRYPTION_KEYS: key id "${id}" appears twice`);
    keys.set(id, key);
  }
  const [id, key] = keys.entries().next().value as [string, Buffer];
  return { current: { id, key }, keys };
}

let cached: { spec: string | undefined; ring: KeyRing | null } | undefined;

/** This process's keys (from the environment), or null when encryption at rest is not configured. */
export function keyRing(): KeyRing | null {
  const spec = getEnv().ATLAS_ENCRYPTION_KEYS;
  if (!cached || cached.spec !== spec) cached = { spec, ring: parseKeyRing(spec) };
  return cached.ring;
}

export const isEncrypted = (value: unknown): value is string => typeof value === "string" && value.startsWith(PREFIX);

/** The id of the key a value was encrypted with. */
export const keyIdOf = (value: string): string => value.slice(PREFIX.length).split(":")[0];

export function encrypt(plaintext: string, ring: KeyRing): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", ring.current.key, nonce);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${PREFIX}${ring.current.id}:${nonce.toString("base64url")}:${body.toString("base64url")}`;
}

export function decrypt(value: string, ring: KeyRing): string {
  if (!isEncrypted(value)) throw new EncryptionError("not an encrypted value");
  const [id, nonceText, bodyText, extra] = value.slice(PREFIX.length).split(":");
  const key = ring.keys.get(id);
  if (!key) throw new EncryptionError(`encrypted with key "${id}", which ATLAS_ENCRYPTION_KEYS does not hold`);
  const nonce = Buffer.from(nonceText ?? "", "base64url");
  const body = Buffer.from(bodyText ?? "", "base64url");
  if (extra !== undefined || nonce.length !== 12 || body.length < 16) throw new EncryptionError("malformed encrypted value");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce);
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
  } catch {
    throw new EncryptionError(`encrypted value failed authentication (key "${id}"): it was changed or the key is wrong`);
  }
}
