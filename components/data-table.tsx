import { Children, cloneElement, isValidElement } from "react";

/** A column heading; `right` for numbers; `cardLabel` names it on a phone when `label` is not plain text. */
export type Column = { label: React.ReactNode; align?: "right"; cardLabel?: string };

type Cell = React.ReactElement<{ "data-label"?: string; children?: React.ReactNode }>;

/** Each `<td>` of each `<tr>` gets its column's name as `data-label` unless it has one (rows rendered by other components are left as they are). */
function withCardLabels(rows: React.ReactNode, labels: (string | undefined)[]): React.ReactNode {
  return Children.map(rows, (row) => {
    if (!isValidElement<{ children?: React.ReactNode }>(row) || row.type !== "tr") return row;
    let column = 0;
    const cells = Children.map(row.props.children, (cell) => {
      if (!isValidElement(cell) || cell.type !== "td") return cell;
      const label = labels[column++];
      const props = (cell as Cell).props;
      return props["data-label"] !== undefined || label === undefined ? cell : cloneElement(cell as Cell, { "data-label": label });
    });
    return cloneElement(row, {}, cells);
  });
}

/**
 * The dashboard's tables. From `sm` up, a table (at least `minWidth` wide, scrolling inside its frame if the
 * window is narrower). On a phone each row becomes a card: one line per cell, the cell's `data-label` before
 * its value, so nothing hides off screen. Cells hold one element (wrap several in a div); their `data-label`
 * comes from the column unless a cell sets its own.
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
          "max-sm:[&_td[data-label]]:before:w-24 max-sm:[&_td[data-label]]:before:shrink-0 max-sm:[&_td[data-label]]:before:text-xs",
          "max-sm:[&_td[data-label]]:before:font-medium max-sm:[&_td[data-label]]:before:text-slate-600 max-sm:[&_td[data-label]]:before:content-[attr(data-label)]",
          "max-sm:[&_td>*]:min-w-0 max-sm:[&_td]:break-words",
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
        <tbody>{withCardLabels(children, columns.map((c) => c.cardLabel ?? (typeof c.label === "string" ? c.label : undefined)))}</tbody>
      </table>
    </div>
  );
}
