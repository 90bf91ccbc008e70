import { prisma } from "@/lib/db/client";

export const dynamic = "force-dynamic";

export default async function Home() {
  const organizations = await prisma.organization.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      connections: {
        orderBy: [{ provider: "asc" }, { status: "asc" }],
        select: { id: true, provider: true, status: true, lastSyncAt: true, user: { select: { name: true, email: true } } },
      },
    },
  });
  return (
    <main className="mx-auto max-w-5xl p-6">
      <h1 className="text-2xl font-semibold">Atlas connections</h1>
      {organizations.map((org) => (
        <section key={org.id} className="mt-8">
          <h2 className="text-lg font-medium">{org.name}</h2>
          <table className="mt-2 w-full text-left text-sm">
            <thead>
              <tr className="text-slate-500">
                <th className="py-1">Provider</th>
                <th>Status</th>
                <th>Owner</th>
                <th>Last sync</th>
              </tr>
            </thead>
            <tbody>
              {org.connections.map((c) => (
                <tr key={c.id} className="border-t border-slate-200">
                  <td className="py-1">{c.provider}</td>
                  <td>{c.status}</td>
                  <td>{c.user.name ?? c.user.email}</td>
                  <td>{c.lastSyncAt ? c.lastSyncAt.toISOString() : "never"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </main>
  );
}
