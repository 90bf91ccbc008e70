/** A column heading; `right` for numbers. */
export type Column = { label: React.ReactNode; align?: "right" };

/** The dashboard's tables: scroll sideways on a phone rather than squeeze, headings in one style. */
export function DataTable({ columns, minWidth, testId, children }: { columns: Column[]; minWidth: number; testId: string; children: React.ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="w-full text-sm" style={{ minWidth }} data-testid={testId}>
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
