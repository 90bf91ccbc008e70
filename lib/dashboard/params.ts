// What the dashboard's list pages share: query strings read leniently, and opaque keyset cursors.
import { z } from "zod";

export type SearchParams = Record<string, string | string[] | undefined>;

/** Search params → filters: the first value of each, and any field that does not validate is dropped rather than failing the page. */
export function filtersFrom<S extends z.ZodObject>(schema: S, params: SearchParams): z.infer<S> {
  const valid: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(params)) {
    const value = Array.isArray(raw) ? raw[0] : raw;
    const field = schema.shape[key] as z.ZodType | undefined;
    if (field?.safeParse(value).success) valid[key] = value;
  }
  return schema.parse(valid);
}

/** A keyset position as an opaque URL-safe string. */
export const encodeCursor = (position: object) => Buffer.from(JSON.stringify(position)).toString("base64url");

/** The position back, or null for anything that is not one of ours (a bad cursor starts from the top). */
export function decodeCursor<T>(raw: string | undefined, shape: z.ZodType<T>): T | null {
  if (!raw) return null;
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(raw, "base64url").toString()));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** An ISO timestamp inside a cursor. */
export const cursorTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)));
