import { readConnectionMetadata } from "@/lib/data/connection-metadata";

// Which project a connection feeds, without touching the database (scripts use it before one exists).
export const DEFAULT_PROJECT_KEY = "default";

/** The project a connection feeds: metadata.projectId, chosen when connecting; "default" when unset. */
export function projectKeyOf(connection: { metadata: unknown }): string {
  const key = readConnectionMetadata(connection.metadata).projectId;
  return key?.trim() ? key : DEFAULT_PROJECT_KEY;
}
