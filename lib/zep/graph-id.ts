import { createHash } from "node:crypto";

/**
 * The Zep graph of one organization + project. Stable (never change the format: existing graphs would be
 * orphaned), `[A-Za-z0-9_-]` only (Graphiti's rule), at most 44 characters. The slugs are only for people
 * reading Zep's dashboard; the hash of the exact ids is what makes two pairs never share a graph, even
 * when their slugs collide ("a_b"+"c" vs "a"+"b_c", or ids differing only in punctuation).
 */
export function graphIdFor(organizationId: string, projectId: string): string {
  if (!organizationId || !projectId) throw new Error("graphIdFor needs an organizationId and a projectId");
  const hash = createHash("sha256").update(`${organizationId}\u0000${projectId}`).digest("hex").slice(0, 16);
  return `atlas-${slug(organizationId)}-${slug(projectId)}-${hash}`;
}

function slug(s: string) {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "").slice(0, 8) || "x";
}
