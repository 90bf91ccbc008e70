import { hrefWith } from "./filter-form";

/**
 * "Download CSV" of a list with the filters it shows (every page of it, not only this one): a plain link to
 * the list's export route, so it works without JavaScript and the browser saves the file it answers with.
 */
export function DownloadCsv({ path, filters }: { path: string; filters: Record<string, string | undefined> }) {
  return (
    <a
      href={hrefWith(path, filters, { cursor: undefined })}
      download
      data-testid="download-csv"
      className="inline-flex items-center gap-1.5 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4" fill="currentColor">
        <path d="M10 3a1 1 0 0 1 1 1v7.59l2.3-2.3a1 1 0 1 1 1.4 1.42l-4 4a1 1 0 0 1-1.4 0l-4-4a1 1 0 1 1 1.4-1.42L9 11.6V4a1 1 0 0 1 1-1ZM4 15a1 1 0 0 1 1 1h10a1 1 0 1 1 0 2H5a2 2 0 0 1-2-2 1 1 0 0 1 1-1Z" />
      </svg>
      Download CSV
    </a>
  );
}
