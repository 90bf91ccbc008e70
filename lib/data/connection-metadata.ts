// Connection.metadata in one place: its schema, a typed read, and a merge. Nango, the seed's examples and
// Atlas itself write these keys; anything else stays in the object untouched. A stored value of an
// unexpected shape (an object where a string belongs, objects where strings belong) reads as absent.
import { z } from "zod";
import type { Prisma } from "@/lib/db/client";
import { EncryptionError } from "@/lib/encryption";
import { errorFields, log } from "@/lib/log";
import { DEFAULT_PROJECT_KEY } from "@/lib/project-key";
import { errorEntrySchema } from "./error-entry";
import { openMetadata, plaintextPart, sealMetadata } from "./sealed-metadata";

const text = z.string().optional().catch(undefined);
const texts = z.array(z.string()).optional().catch(undefined);

export const connectionMetadataSchema = z.looseObject({
  /** The provider account's name, as lists show and search it. */
  accountName: text,
  /** The Atlas project (knowledge graph) the connection feeds; "default" when unset. */
  projectId: text,
  /** The Nango integration (providerConfigKey) it was made with. */
  integrationId: text,
  authMode: text,
  installationId: text,
  repositories: texts,
  permissions: texts,
  /** Set while an admin or the owner has paused its syncs (ISO time). */
  syncsPausedAt: text,
  /** Why Atlas paused them itself (auto-pause after failed syncs); absent when a person paused them. */
  syncsPausedReason: text,
  reauthorizedAt: text,
  /** Set by "Sync now" (ISO time), removed by the next sync webhook: the page says whether Nango answered. */
  syncRequestedAt: text,
  /** A failed re-authorization: the old credentials still stand, so it does not change the status. */
  lastAuthError: errorEntrySchema.optional().catch(undefined),
  /** The problem that put the connection in ERROR or EXPIRED. */
  lastError: errorEntrySchema.optional().catch(undefined),
});

export type ConnectionMetadata = z.infer<typeof connectionMetadataSchema>;

/** The stored metadata, typed; never throws, whatever the column holds. */
export function readConnectionMetadata(stored: unknown): ConnectionMetadata {
  let opened: unknown;
  try {
    opened = openMetadata(stored); // encrypted at rest (sealed-metadata.ts)
  } catch (err) {
    if (!(err instanceof EncryptionError)) throw err;
    // A page still shows what is plaintext; the log says why the rest is missing.
    log.error(errorFields(err), "connection metadata could not be decrypted");
    opened = plaintextPart(stored);
  }
  const parsed = connectionMetadataSchema.safeParse(opened);
  return parsed.success ? parsed.data : {};
}

/**
 * `stored` with `patch` applied for writing: keys set to undefined are removed, other keys are kept. The caller
 * holds the row's lock since reading `stored` (SELECT … FOR UPDATE), or a concurrent change is overwritten.
 */
export function mergeConnectionMetadata(stored: unknown, patch: Partial<{ [K in keyof ConnectionMetadata]: ConnectionMetadata[K] | undefined }>): Prisma.InputJsonObject {
  // Opened strictly: writing back a row whose sealed part could not be read would lose it.
  const current = connectionMetadataSchema.safeParse(openMetadata(stored));
  const merged: Record<string, unknown> = { ...(current.success ? current.data : {}), ...patch };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return sealMetadata(merged) as Prisma.InputJsonObject;
}

/** The account name of a connection, for lists and headings. */
export const accountNameOf = (connection: { metadata: unknown }): string | null => readConnectionMetadata(connection.metadata).accountName ?? null;

/** The project a connection feeds: metadata.projectId, chosen when connecting; "default" when unset. */
export function projectKeyOf(connection: { metadata: unknown }): string {
  const key = readConnectionMetadata(connection.metadata).projectId;
  return key?.trim() ? key : DEFAULT_PROJECT_KEY;
}
