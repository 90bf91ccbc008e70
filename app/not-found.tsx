import Link from "next/link";

/** Also the answer to addresses that cannot be read at all (broken percent-encoding; see proxy.ts). */
export default function NotFound() {
  return (
    <main className="mx-auto max-w-xl px-4 py-16 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-2 text-slate-700">
        There is nothing at this address. It may be mistyped or cut short, the item may have been deleted, or it belongs to an organization you are not
        part of.
      </p>
      <p className="mt-2 text-slate-700">Check the address, or find what you were looking for from one of these pages:</p>
      <ul className="mt-4 flex flex-wrap justify-center gap-x-4 gap-y-2">
        <li>
          <Link href="/" className="text-indigo-700 hover:underline">
            Overview
          </Link>
        </li>
        <li>
          <Link href="/connections" className="text-indigo-700 hover:underline">
            Connections
          </Link>
        </li>
        <li>
          <Link href="/syncs" className="text-indigo-700 hover:underline">
            Sync history
          </Link>
        </li>
      </ul>
    </main>
  );
}
