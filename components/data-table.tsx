/** A column heading; `right` for numbers. */
export type Column = { label: React.ReactNode; align?: "right" };

/**
 * The dashboard's tables. From `sm` up, a table (at least `minWidth` wide, scrolling inside its frame if the
 * window is narrower). On a phone each row becomes a card: one line per cell, the cell's `data-label` before
 * its value, so nothing hides off screen. Cells hold one element (wrap several in a div) and a `data-label`.
 */
export function DataTable({ columns, minWidth, testId, children }: { columns: Column[]; minWidth: number; testId: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white sm:overflow-x-auto">
      <table
        className={[
          "w-full text-sm sm:min-w-(--table-min-width)",
          // Phone: rows as cards, cells as "label  value" lines.
          "max-sm:block max-sm:[&_tbody]:block max-sm:[&_thead]:hidden",
          "max-sm:[&_tr]:block max-sm:[&_tr]:px-1 max-sm:[&_tr]:py-2",
          "max-sm:[&_td]:flex max-sm:[&_td]:items-start max-sm:[&_td]:gap-3 max-sm:[&_td]:py-1 max-sm:[&_td]:text-left",
          "max-sm:[&_td]:before:w-24 max-sm:[&_td]:before:shrink-0 max-sm:[&_td]:before:text-xs max-sm:[&_td]:before:font-medium max-sm:[&_td]:before:text-slate-600",
          "max-sm:[&_td]:before:content-[attr(data-label)] max-sm:[&_td>*]:min-w-0 max-sm:[&_td]:break-words",
        ].join(" ")}
        style={{ "--table-min-width": `${minWidth}px` } as React.CSSProperties}
        data-testid={testId}
      >
        <thead className="bg-slate-50 text-left text-slate-600">
          <tr>
            {columns.map((c, i) => (
              <th key={i} className={`px-3 py-2 font-medium ${c.align === "right" ? "text-right" : ""}`}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
