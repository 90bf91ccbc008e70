// Metadata at rest: Connection.metadata and Session.metadata. What lists show, search and filter in SQL stays
// plaintext; everything else (installation ids, repository and permission lists, error details, whatever Nango
// passes along; a connect session's scope, requester and nonce) is sealed into one encrypted value under the
// key "sealed" (lib/encryption.ts). Without ATLAS_ENCRYPTION_KEYS nothing is sealed. Rows written before
// encryption was configured stay readable and are sealed by `npm run rotate-keys`.
import { decrypt, encrypt, isEncrypted, keyIdOf, keyRing, type KeyRing, EncryptionError } from "@/lib/encryption";

/**
 * Connection.metadata: read or written by SQL (search, filters, counts, in-place updates) or shown in every
 * list; none is a secret: a provider account's name, Atlas's own project and integration ids, timestamps and
 * pause reasons.
 */
export const PLAINTEXT_METADATA_KEYS = ["accountName", "projectId", "integrationId", "authMode", "syncsPausedAt", "syncsPausedReason", "syncRequestedAt", "reauthorizedAt"] as const;
/** Session.metadata: only the expiry, which the retention task compares in SQL (lib/maintenance/retention.ts). */
export const PLAINTEXT_SESSION_METADATA_KEYS = ["tokenExpiry"] as const;

/** Which keys of a table's metadata stay plaintext. */
export type PlaintextKeys = ReadonlySet<string>;
export const CONNECTION_PLAINTEXT: PlaintextKeys = new Set(PLAINTEXT_METADATA_KEYS);
export const SESSION_PLAINTEXT: PlaintextKeys = new Set(PLAINTEXT_SESSION_METADATA_KEYS);
export const SEALED_KEY = "sealed";

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** The object as stored: plaintext keys as they are, the others encrypted together. Unchanged without keys. */
export function sealMetadata<T extends JsonObject>(metadata: T, ring: KeyRing | null = keyRing(), plaintext: PlaintextKeys = CONNECTION_PLAINTEXT): T {
  if (!ring) return metadata;
  const plain: JsonObject = {};
  const secret: JsonObject = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (key === SEALED_KEY) continue;
    (plaintext.has(key) ? plain : secret)[key] = value;
  }
  if (Object.keys(secret).length) plain[SEALED_KEY] = encrypt(JSON.stringify(secret), ring);
  return plain as T;
}

/** The object as Atlas uses it. Throws EncryptionError when the sealed part cannot be opened (tampered, key gone). */
export function openMetadata(stored: unknown, given?: KeyRing | null): unknown {
  if (!isObject(stored) || !(SEALED_KEY in stored)) return stored;
  const { [SEALED_KEY]: sealed, ...plain } = stored;
  if (!isEncrypted(sealed)) throw new EncryptionError(`metadata.${SEALED_KEY} is not an encrypted value`);
  // The environment's keys are read only for a sealed value: plaintext metadata is read anywhere, also by
  // scripts without the app's configuration (the sandboxes adopting the demo connections in `npm test`).
  const ring = given === undefined ? keyRing() : given;
  if (!ring) throw new EncryptionError("metadata is encrypted but ATLAS_ENCRYPTION_KEYS is not set");
  const secret: unknown = JSON.parse(decrypt(sealed, ring));
  if (!isObject(secret)) throw new EncryptionError("sealed metadata is not an object");
  return { ...secret, ...plain };
}

/** The plaintext part alone, for reading a row whose sealed part cannot be opened. */
export function plaintextPart(stored: unknown): unknown {
  if (!isObject(stored)) return stored;
  const { [SEALED_KEY]: _sealed, ...plain } = stored;
  return plain;
}

/** Does this stored value need (re-)sealing under the current key: plaintext secrets, or an older key? */
export function needsSealing(stored: unknown, ring: KeyRing, plaintext: PlaintextKeys = CONNECTION_PLAINTEXT): boolean {
  if (!isObject(stored)) return false;
  const sealed = stored[SEALED_KEY];
  if (sealed !== undefined) return !isEncrypted(sealed) || keyIdOf(sealed) !== ring.current.id;
  return Object.keys(stored).some((k) => !plaintext.has(k));
}

/** A connect session's metadata as stored (lib/nango/connections.ts writes it). */
export const sealSessionMetadata = <T extends JsonObject>(metadata: T, ring: KeyRing | null = keyRing()): T => sealMetadata(metadata, ring, SESSION_PLAINTEXT);
