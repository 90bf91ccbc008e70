// Filters as a plain GET form: works without JavaScript, and every filtered view has a shareable URL.
export function Select({ name, label, value, options }: { name: string; label: string; value?: string; options: { value: string; label: string }[] }) {
  return (
    <label className="flex flex-col text-xs font-medium text-slate-700">
      {label}
      <select name={name} defaultValue={value ?? ""} className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
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
    <form method="get" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3" role="search">
      {children}
      <button className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700">Apply</button>
      <a href={resetHref} className="py-1.5 text-sm text-slate-700 hover:underline">
        Reset
      </a>
    </form>
  );
}

export function Pager({ nextHref, firstHref, isFirst }: { nextHref: string | null; firstHref: string; isFirst: boolean }) {
  return (
    <nav aria-label="Pagination" className="flex justify-between text-sm">
      {isFirst ? <span /> : <a href={firstHref} className="text-indigo-700 hover:underline">← First page</a>}
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
