// CSV encoding: any text survives a round trip through a standard parser, and no cell a spreadsheet reads
// can start a formula.
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvFilename, csvLines, csvResponse, csvStream, type CsvCell } from "./csv";

// What a spreadsheet may run as a formula: = + - @ tab CR, and the full-width forms Apple Numbers normalizes.
const FORMULA = ["=", "+", "-", "@", "\t", "\r", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"];
const readCsv = (text: string): string[][] => parse(text, { bom: true, relax_column_count: false });

async function* batchesOf<T>(items: T[][]) {
  for (const batch of items) yield batch;
}

describe("CSV cells", () => {
  it("quotes commas, quotes and line breaks (RFC 4180) with CRLF line ends", () => {
    expect(csvLines([["a,b", 'say "hi"', "two\nlines", "cr\ronly", "plain"]])).toBe('"a,b","say ""hi""","two\nlines","cr\ronly",plain\r\n');
  });

  it("defuses formulas with a leading apostrophe; numbers, dates and empty cells as themselves", () => {
    const one = (cell: CsvCell) => readCsv(csvLines([[cell]]))[0][0];
    expect(["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "\uFF1D1"].map(one)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", "'\rx", "'\uFF1D1"]);
    expect(one(-5)).toBe("-5");
    expect(one(new Date("2026-11-25T10:00:00.000Z"))).toBe("2026-11-25T10:00:00.000Z");
    expect([null, undefined, "a=b", true].map(one)).toEqual(["", "", "a=b", "true"]);
  });

  it("any rows of any text read back as written (formula starts with their apostrophe), and no cell starts a formula", () => {
    const text = fc.oneof(fc.string({ unit: "binary" }), fc.constantFrom(...FORMULA).chain((c) => fc.string().map((s) => c + s)), fc.constantFrom(",", '"', "\r\n", "\n", "\r", '""'));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }).chain((width) => fc.array(fc.array(text, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 8 })), (rows) => {
        const read = readCsv(csvLines(rows));
        expect(read).toEqual(rows.map((row) => row.map((cell) => (FORMULA.some((c) => cell.startsWith(c)) ? `'${cell}` : cell))));
        for (const cell of read.flat()) expect(FORMULA.some((c) => cell.startsWith(c))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe("CSV stream", () => {
  it("a BOM, the header, then each batch as the reader pulls it; an empty batch writes nothing", async () => {
    const rows: CsvCell[][][] = [[["1", 2]], [], [["=x", null]]];
    const bytes = Buffer.from(await new Response(csvStream(["a", "b"], batchesOf(rows))).arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString("utf8");
    expect(text.startsWith("\uFEFFa,b\r\n")).toBe(true);
    expect(readCsv(text)).toEqual([["a", "b"], ["1", "2"], ["'=x", ""]]);
  });

  it("reads the next batch only when the reader asks for it", async () => {
    let read = 0;
    async function* counted() {
      for (let i = 0; i < 100; i++) {
        read++;
        yield [[i]];
      }
    }
    const reader = csvStream(["n"], counted()).getReader();
    await reader.read(); // the header
    await reader.read(); // the first batch
    expect(read).toBeLessThan(5);
    await reader.cancel();
  });

  it("a failure while streaming errors the body instead of ending it as if complete", async () => {
    async function* failing() {
      yield [[1]];
      throw new Error("database went away");
    }
    await expect(new Response(csvStream(["n"], failing())).text()).rejects.toThrow();
  });

  it("is served as a UTF-8 text/csv attachment named by date and filters", () => {
    const name = csvFilename("sync-history", { status: "FAILED", code: undefined, from: "2026-11-01" }, new Date("2026-11-25T12:00:00Z"));
    expect(name).toBe("atlas-sync-history-2026-11-25-status-FAILED-from-2026-11-01.csv");
    expect(csvFilename("connections", { q: 'a "b"/c' }, new Date("2026-11-25T12:00:00Z"))).toBe("atlas-connections-2026-11-25-q-a_b_c.csv");
    const response = csvResponse(name, new ReadableStream());
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="${name}"`);
  });
});
