import Link from "next/link";
import { signOutAction } from "@/app/actions/auth";
import type { Viewer } from "@/lib/auth/viewer";
import { isSandbox } from "@/lib/sandbox";

/** Every page in reach at any width: the links wrap onto a second line on a phone, never scroll out of sight. */
export function Nav({ viewer }: { viewer: Viewer }) {
  const links = [
    { href: "/", label: "Overview" },
    { href: "/connections", label: viewer.role === "ADMIN" ? "Connections" : "My connections" },
    { href: "/syncs", label: "Sync history" },
    { href: "/knowledge", label: "Knowledge" },
    ...(viewer.role === "ADMIN"
      ? [
          { href: "/users", label: "People" },
          { href: "/webhooks", label: "Webhooks" },
          { href: "/failed-records", label: "Failed records" },
          { href: "/alerts", label: "Alerts" },
          { href: "/audit", label: "Audit log" },
        ]
      : []),
  ];
  return (
    <header className="border-b border-slate-200 bg-white">
      {isSandbox() && (
        <p className="bg-amber-100 px-4 py-1 text-center text-xs font-medium text-amber-900" data-testid="sandbox-banner">
          Sandbox mode: Nango and Zep are local stand-ins and sign-in is open to the demo users. Not for production.
        </p>
      )}
      <div className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
        <Link href="/" className="text-lg font-semibold tracking-tight text-indigo-700">
          Atlas
        </Link>
        <nav aria-label="Main" className="order-3 w-full text-sm md:order-none md:w-auto" data-testid="main-nav">
          <ul className="flex flex-wrap gap-x-4 gap-y-1">
            {links.map((l) => (
              <li key={l.href}>
                <Link href={l.href} className="inline-block whitespace-nowrap py-1 text-slate-700 hover:text-indigo-700">
                  {l.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="ml-auto flex min-w-0 items-center gap-3 text-sm">
          <span className="min-w-0 text-right">
            <span className="block max-w-[11rem] truncate font-medium sm:max-w-xs" data-testid="viewer-name" title={viewer.email}>
              {viewer.name ?? viewer.email}
            </span>
            <span className="block max-w-[11rem] truncate text-xs text-slate-600 sm:max-w-xs" data-testid="viewer-org">
              {viewer.organizationName} · {viewer.role === "ADMIN" ? "Admin" : "Member"}
            </span>
          </span>
          <form action={signOutAction}>
            <button className="whitespace-nowrap rounded-md border border-slate-300 px-2 py-1 text-slate-700 hover:bg-slate-100">Sign out</button>
          </form>
        </div>
      </div>
    </header>
  );
}
