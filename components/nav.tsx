import Link from "next/link";
import { signOutAction } from "@/app/actions/auth";
import type { Viewer } from "@/lib/auth/viewer";
import { isSandbox } from "@/lib/sandbox";

export function Nav({ viewer }: { viewer: Viewer }) {
  const links = [
    { href: "/", label: "Overview" },
    { href: "/connections", label: viewer.role === "ADMIN" ? "Connections" : "My connections" },
    { href: "/syncs", label: "Sync history" },
    { href: "/knowledge", label: "Knowledge" },
    ...(viewer.role === "ADMIN"
      ? [
          { href: "/users", label: "Users" },
          { href: "/webhooks", label: "Webhooks" },
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
        <nav aria-label="Main" className="order-3 flex w-full gap-4 overflow-x-auto text-sm sm:order-none sm:w-auto">
          {links.map((l) => (
            <Link key={l.href} href={l.href} className="whitespace-nowrap text-slate-700 hover:text-indigo-700">
              {l.label}
            </Link>
          ))}
        </nav>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span className="hidden text-right sm:block">
            <span className="block font-medium" data-testid="viewer-name">{viewer.name ?? viewer.email}</span>
            <span className="block text-xs text-slate-600" data-testid="viewer-org">
              {viewer.organizationName} · {viewer.role === "ADMIN" ? "Admin" : "Member"}
            </span>
          </span>
          <form action={signOutAction}>
            <button className="rounded-md border border-slate-300 px-2 py-1 text-slate-700 hover:bg-slate-100">Sign out</button>
          </form>
        </div>
      </div>
    </header>
  );
}
