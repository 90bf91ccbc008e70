// The one shape of an error Atlas stores: SyncJob.errors[] and Connection.metadata.lastError are lists or
// single entries of it (the seed's `{message, code, timestamp}`, plus optional details). Stored JSON is read
// through these schemas, so a value of another shape reads as absent instead of crashing a page.
import { z } from "zod";

export const errorEntrySchema = z.looseObject({
  message: z.string(),
  code: z.string(),
  timestamp: z.string().optional(),
  /** Seconds the service asked us to wait (429s). */
  retryAfter: z.number().optional(),
  /** GitHub: the repository the error concerns. */
  repository: z.string().optional(),
});

export type ErrorEntry = z.infer<typeof errorEntrySchema>;
/** An entry as written at the moment of failure: always timestamped. */
export type TimedErrorEntry = ErrorEntry & { timestamp: string };

/** One entry, or null when `value` is not one. */
export function readErrorEntry(value: unknown): ErrorEntry | null {
  const parsed = errorEntrySchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The well-formed entries of a stored list; anything else in it is skipped. */
export function readErrorEntries(value: unknown): ErrorEntry[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v) => readErrorEntry(v) ?? []);
}
