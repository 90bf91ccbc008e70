// Records as Nango's records store keeps and lists them (packages/records/lib/stores/postgres/postgres.ts):
// ordered by (updated_at, id), cursor = base64("<last_modified_at>||<record uuid>"), one extra row fetched to
// know whether another page exists, and the filter quirks of its SQL.
import type { NangoRecord } from "@nangohq/types";
import { z } from "zod";
import type { StoredRecord } from "./state";

/**
 * A timestamp as PostgreSQL's to_json(timestamptz) writes it in UTC: "+00:00", not "Z", and trailing zeros
 * of the fraction dropped. Nango returns these in _nango_metadata and inside cursors.
 */
export function pgTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-05-01T10:00:00.120Z
  const [seconds, fraction] = iso.slice(0, -1).split(".") as [string, string];
  const trimmed = fraction.replace(/0+$/, "");
  return `${seconds}${trimmed ? `.${trimmed}` : ""}+00:00`;
}

export const encodeCursor = (r: StoredRecord) => Buffer.from(`${pgTimestamp(r.lastModifiedAt)}||${r.uuid}`).toString("base64");

const cursorSchema = z.object({ sort: z.iso.datetime({ offset: true }), id: z.uuid() }).strict();

/** Nango's Cursor.from: undefined for anything that is not "<datetime>||<uuid>" in base64. */
export function decodeCursor(cursor: string): { sortMs: number; id: string } | undefined {
  const parts = Buffer.from(cursor, "base64").toString("ascii").split("||");
  if (parts.length !== 2) return undefined;
  const parsed = cursorSchema.safeParse({ sort: parts[0], id: parts[1] });
  return parsed.success ? { sortMs: Date.parse(parsed.data.sort), id: parsed.data.id } : undefined;
}

const lastAction = (r: StoredRecord) => (r.deletedAt !== null ? "DELETED" : r.firstSeenAt === r.lastModifiedAt ? "ADDED" : "UPDATED");

/** Nango's SQL for `filter`, including its combinations (e.g. "updated,deleted" returns no deleted records). */
function matchesFilter(r: StoredRecord, filter: string): boolean {
  const f = filter.toUpperCase();
  const live = r.deletedAt === null;
  const untouched = r.firstSeenAt === r.lastModifiedAt;
  if (f.includes("ADDED") && f.includes("UPDATED")) return live;
  if (f.includes("UPDATED") && f.includes("DELETED")) return live && !untouched;
  if (f.includes("ADDED") && f.includes("DELETED")) return live && untouched;
  if (f === "ADDED") return live && untouched;
  if (f === "UPDATED") return live && !untouched;
  if (f === "DELETED") return !live;
  return true;
}

const byModification = (a: StoredRecord, b: StoredRecord) => a.lastModifiedAt - b.lastModifiedAt || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0);

export type RecordsQuery = { limit: number; cursor?: string; modifiedAfter?: string; filter?: string; ids?: string[] };

/** One page of records, or "invalid_cursor_value" (which Nango's controller answers with a 500). */
export function listRecords(records: Iterable<StoredRecord>, q: RecordsQuery): { records: NangoRecord[]; next_cursor: string | null } | "invalid_cursor_value" {
  const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  if (q.cursor !== undefined && !after) return "invalid_cursor_value";
  const modifiedAfter = q.modifiedAfter ? Date.parse(q.modifiedAfter) : null;
  const matching = [...records]
    .filter(
      (r) =>
        (!after || r.lastModifiedAt > after.sortMs || (r.lastModifiedAt === after.sortMs && r.uuid > after.id)) &&
        (modifiedAfter === null || r.lastModifiedAt >= modifiedAfter) &&
        (!q.filter || matchesFilter(r, q.filter)) &&
        (!q.ids || q.ids.includes(r.data.id)),
    )
    .sort(byModification);
  const page = matching.slice(0, q.limit);
  return {
    records: page.map((r) => ({
      ...r.data,
      id: r.data.id,
      _nango_metadata: {
        first_seen_at: pgTimestamp(r.firstSeenAt),
        last_modified_at: pgTimestamp(r.lastModifiedAt),
        last_action: lastAction(r),
        deleted_at: r.deletedAt === null ? null : pgTimestamp(r.deletedAt),
        pruned_at: null,
        cursor: encodeCursor(r),
      },
    })),
    next_cursor: matching.length > page.length ? encodeCursor(page[page.length - 1]!) : null,
  };
}
