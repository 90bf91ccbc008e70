// Everything a page reads from its address, validated in one place: query strings read leniently (a value
// that does not validate is dropped, never a crash), path ids, keyset cursors, and paths Next cannot decode.
// Anything typed into an address bar can reach these functions; none of them throws.
import { z } from "zod";

export type SearchParams = Record<string, string | string[] | undefined>;

/** A URL's query as a page receives it (a key given twice: its values in order), for route handlers. */
export function searchParamsOf(url: URL): SearchParams {
  const params: SearchParams = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    params[key] = values.length === 1 ? values[0] : values;
  }
  return params;
}

/** Control characters (NUL above all: PostgreSQL text cannot hold it) never reach a query. */
const CONTROL = /[\u0000-\u001f\u007f]/;
export const withoutControlCharacters = (s: string) => s.replace(new RegExp(CONTROL.source, "g"), "");

/**
 * Search params → filters: the first value of each, control characters removed; any field that does not
 * validate is dropped rather than failing the page.
 */
export function filtersFrom<S extends z.ZodObject>(schema: S, params: SearchParams): z.infer<S> {
  const valid: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(params)) {
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (typeof first !== "string") continue;
    const field = schema.shape[key] as z.ZodType | undefined;
    const parsed = field?.safeParse(withoutControlCharacters(first));
    if (parsed?.success) valid[key] = parsed.data;
  }
  const result = schema.safeParse(valid);
  // Only an object-level rule could fail here (fields were checked one by one): fall back to the defaults.
  return result.success ? result.data : schema.parse({});
}

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** An optional query-string field: "" means absent. */
export const optionalParam = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

/** A database id (cuid, or the seed's "org_acme"-style ids). */
export const ID = /^[A-Za-z0-9_-]{1,64}$/;
export const isId = (value: unknown): value is string => typeof value === "string" && ID.test(value);
export const idParam = z.string().regex(ID);

/** Free text to search for: trimmed, and cut to `max` characters rather than refused. */
export const searchParam = (max = 200) =>
  z
    .string()
    .transform((s) => withoutControlCharacters(s).trim().slice(0, max).trim())
    .pipe(z.string().min(1));

/** Dates the database and the pages can show: a real calendar day within these years. */
const FIRST_YEAR = 1970;
const LAST_YEAR = 2999;
const inRange = (t: number) => !Number.isNaN(t) && t >= Date.UTC(FIRST_YEAR, 0, 1) && t < Date.UTC(LAST_YEAR + 1, 0, 1);

/** "YYYY-MM-DD" naming a day that exists (no 2024-02-30, no month 99, no year 0). */
export function isCalendarDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return inRange(t) && new Date(t).toISOString().slice(0, 10) === s;
}
export const dayParam = z.string().refine(isCalendarDay, "Not a calendar day");

/** The first instant of a day and of the day after it (for `from` ≤ t < `to`+1 day). */
export const startOfDay = (day: string) => new Date(`${day}T00:00:00.000Z`);
export const startOfNextDay = (day: string) => new Date(startOfDay(day).getTime() + 86_400_000);

/** A from/to pair in order: swapped when given the wrong way round (a range of days, whichever end came first). */
export function orderedRange<T extends { from?: string; to?: string }>(filters: T): T {
  return filters.from && filters.to && filters.from > filters.to ? { ...filters, from: filters.to, to: filters.from } : filters;
}

/** A keyset position as an opaque URL-safe string. */
export const encodeCursor = (position: object) => Buffer.from(JSON.stringify(position)).toString("base64url");

/** The position back, or null for anything that is not one of ours (a bad cursor starts from the top). */
export function decodeCursor<T>(raw: string | undefined, shape: z.ZodType<T>): T | null {
  if (!raw || raw.length > 400) return null;
  try {
    const json = Buffer.from(raw, "base64url").toString();
    const parsed = shape.safeParse(
      JSON.parse(json, (_key, value) => {
        if (typeof value === "string" && CONTROL.test(value)) throw new Error("control character");
        return value;
      }),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** An ISO timestamp inside a cursor, within the years a page can show. */
export const cursorTime = z.string().refine((s) => inRange(Date.parse(s)));
/** A row id inside a cursor. */
export const cursorId = idParam;
/** The page number a cursor leads to (for "page 3 of 12"). */
export const cursorPage = z.number().int().min(2).max(1_000_000).optional();

/** "Page 2 of 7": the page a cursor leads to, and how many pages `total` rows fill. */
/**
 * Page position for a list's pager. `capped`: the count stopped at `total` (a list of hundreds of thousands
 * is counted only up to a cap, which keeps the count as cheap as a page), so total and pages are lower bounds.
 */
export function pageInfo(total: number, pageSize: number, page: number | undefined, capped = false) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return { total, page: capped ? (page ?? 1) : Math.min(page ?? 1, pages), pages: capped ? Math.max(pages, page ?? 1) : pages, capped };
}

/**
 * A path Next can decode: every segment's percent-encoding is valid UTF-8. Next answers other paths with a
 * 500 while matching dynamic routes ("/connections/%E0%A4%A"); the proxy answers them with a 404 first.
 */
export function isDecodablePath(pathname: string): boolean {
  if (!pathname.includes("%")) return true;
  try {
    for (const segment of pathname.split("/")) decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}
