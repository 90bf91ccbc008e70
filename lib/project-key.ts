// The one rule for project keys. The project form uses the same pattern in the browser, so nothing here may
// import server code (which project a connection feeds is projectKeyOf, in lib/data/connection-metadata.ts).
import { z } from "zod";

export const DEFAULT_PROJECT_KEY = "default";

/** As an HTML `pattern` too: browsers compile it with the `v` flag, where a literal "-" in a class must be escaped. */
export const PROJECT_KEY_PATTERN = "[a-z0-9\\-]{1,40}";
export const PROJECT_KEY = new RegExp(`^${PROJECT_KEY_PATTERN}$`);
export const projectKeySchema = z.string().trim().regex(PROJECT_KEY, "A project id (key) is 1–40 characters: lowercase letters, digits and hyphens");

/** A key derived from a project's name: "Customer Research" → "customer-research"; "" when nothing is left. */
export function projectKeyFrom(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
}

/**
 * The key for a new project named `name`: derived from the name, or, when the name has no Latin letters or
 * digits (Japanese, emoji), "project-" and a short hash of the name, so every name gets a valid key.
 */
export function projectKeyForName(name: string): string {
  const derived = projectKeyFrom(name);
  if (derived) return derived;
  // FNV-1a (32-bit): deterministic, and it runs in the browser as well as on the server.
  let hash = 0x811c9dc5;
  for (const unit of new TextEncoder().encode(name.normalize("NFC"))) hash = Math.imul(hash ^ unit, 0x01000193) >>> 0;
  return `project-${hash.toString(36).padStart(7, "0")}`;
}
