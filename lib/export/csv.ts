// CSV files for download: RFC 4180 quoting and formula defusing (csv-stringify), and a streamed body, so an export of 300,000 rows holds one batch in memory at a time.
import { stringify } from "csv-stringify/sync";
import { errorFields, log } from "@/lib/log";

export type CsvCell = string | number | boolean | Date | null | undefined;

/** One cell as csv-stringify takes it: dates as ISO 8601 (UTC), nothing as an empty cell, numbers as numbers. */
export function cellValue(value: CsvCell): string | number {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "boolean") return String(value);
  return value;
}

/**
 * Rows as CSV text: CRLF line ends and fields with a comma, quote or any line break quoted (RFC 4180; a custom
 * record delimiter turns csv-stringify's quoting of a lone \n or \r off unless asked). escape_formulas: a
 * cell starting with = + - @ tab or CR (or their full-width forms) gets a leading apostrophe, which a
 * spreadsheet shows as text instead of running "=HYPERLINK(...)" from an account name (OWASP's advice).
 * Numbers stay numbers, so -5 is not escaped.
 */
export function csvLines(rows: readonly (readonly CsvCell[])[]): string {
  return stringify(
    rows.map((row) => row.map(cellValue)),
    { record_delimiter: "windows", quote_record_delimiter: true, escape_formulas: true, eof: true },
  );
}

/** Excel opens a file as UTF-8 only when it starts with a byte order mark; other readers skip it. */
const BOM = "\uFEFF";

/**
 * A CSV body read batch by batch as the client downloads it (pull: the next batch is read only once the
 * previous one was taken). A failure after the first byte can no longer change the status: the download
 * ends early and the log says why.
 */
export function csvStream(header: readonly string[], batches: AsyncIterable<readonly (readonly CsvCell[])[]>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = batches[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(BOM + csvLines([header])));
    },
    async pull(controller) {
      try {
        // Each pull must enqueue or close: the stream does not ask again after a pull that gave nothing.
        for (;;) {
          const next = await iterator.next();
          if (next.done) return controller.close();
          if (next.value.length) return controller.enqueue(encoder.encode(csvLines(next.value)));
        }
      } catch (err) {
        log.error(errorFields(err), "CSV export failed while streaming");
        controller.error(err);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** "atlas-sync-history-2026-11-25-status-FAILED.csv": what, when, and the filters, in a file-system-safe name. */
export function csvFilename(what: string, filters: Record<string, string | undefined>, now = new Date()): string {
  const parts = Object.entries(filters)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}-${v}`);
  const name = ["atlas", what, now.toISOString().slice(0, 10), ...parts].join("-").replace(/[^A-Za-z0-9._-]+/g, "_");
  return `${name.slice(0, 180)}.csv`;
}

/** The download: text/csv in UTF-8, as an attachment, never cached (it holds the organization's data). */
export function csvResponse(filename: string, body: ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

/** A download link followed while signed out: to the sign-in page, as a page would (never a 5xx). */
export const signInFirst = () => new Response(null, { status: 303, headers: { Location: "/signin", "Cache-Control": "no-store" } });
