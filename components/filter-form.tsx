// Filters as a plain GET form: works without JavaScript, and every filtered view has a shareable URL.
export function Select({ name, label, value, options }: { name: string; label: string; value?: string; options: { value: string; label: string }[] }) {
  return (
    <label className="flex flex-col text-xs font-medium text-slate-700">
      {label}
      <select name={name} defaultValue={value ?? ""} className="mt-1 w-full min-w-0 max-w-[16rem] truncate rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
        <option value="">All</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

export function FilterForm({ children, resetHref }: { children: React.ReactNode; resetHref: string }) {
  return (
    <form method="get" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 [&>label]:min-w-0 [&>label]:max-w-full" role="search">
      {children}
      <button className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700">Apply</button>
      <a href={resetHref} className="py-1.5 text-sm text-slate-700 hover:underline">
        Reset
      </a>
    </form>
  );
}

/** Where the viewer is in a long list: "Page 2 of 7 · 150 sync jobs", and links to the first and next pages. */
export function Pager({
  nextHref,
  firstHref,
  isFirst,
  page,
  pages,
  total,
  capped,
  noun,
}: {
  nextHref: string | null;
  firstHref: string;
  isFirst: boolean;
  /** With a total (lists that count their rows): "Page 2 of 7 · 150 sync jobs". */
  page?: number;
  pages?: number;
  total?: number;
  /** The total is a lower bound (the list was counted up to a cap): "Page 2 of 500+ · 10,000+ sync jobs". */
  capped?: boolean;
  /** Singular and plural: ["connection", "connections"]. */
  noun?: [string, string];
}) {
  return (
    <nav aria-label="Pagination" className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 text-sm">
      {isFirst ? <span /> : <a href={firstHref} className="text-indigo-700 hover:underline">← First page</a>}
      {page !== undefined && pages !== undefined && total !== undefined && noun && (
        <p className="text-slate-700" data-testid="page-position">
          Page {page.toLocaleString("en-US")} of {pages.toLocaleString("en-US")}
          {capped ? "+" : ""} · {total.toLocaleString("en-US")}
          {capped ? "+" : ""} {total === 1 && !capped ? noun[0] : noun[1]}
        </p>
      )}
      {nextHref ? (
        <a href={nextHref} className="text-indigo-700 hover:underline" data-testid="next-page">
          Next page →
        </a>
      ) : (
        <span className="text-slate-600">End of list</span>
      )}
    </nav>
  );
}

/** The current search params with some replaced: for next-page and reset links. */
export function hrefWith(path: string, params: Record<string, string | undefined>, changes: Record<string, string | undefined>) {
  const merged = { ...params, ...changes };
  const query = new URLSearchParams(Object.entries(merged).filter(([, v]) => v) as [string, string][]).toString();
  return query ? `${path}?${query}` : path;
}
