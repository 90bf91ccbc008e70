import { Card } from "@/components/card";
import { DataTable } from "@/components/data-table";
import { RelativeTime } from "@/components/relative-time";
import { InviteForm, UserRowActions } from "@/components/user-forms";
import { getAdmin } from "@/lib/auth/viewer";
import { listMembers } from "@/lib/dashboard/users";

export const metadata = { title: "Users" };

export default async function UsersPage() {
  const viewer = await getAdmin();
  const members = await listMembers(viewer);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Users of {viewer.organizationName}</h1>
      <Card title="Invite someone">
        <p className="mb-3 text-sm text-slate-600">They can sign in with this email right away. Only invited emails can sign in.</p>
        <InviteForm />
      </Card>
      <DataTable testId="users-table" minWidth={560} columns={[{ label: "Name" }, { label: "Role" }, { label: "Connections", align: "right" }, { label: "Joined" }, { label: <span className="sr-only">Actions</span>, align: "right" }]}>
        {members.map((m) => (
          <tr key={m.id} className="border-t border-slate-100" data-testid="user-row">
            <td className="px-3 py-2" data-label="Name">
              <div className="min-w-0 [overflow-wrap:anywhere]">
                {m.name ?? "—"}
                <span className="block text-xs text-slate-600">{m.email}</span>
              </div>
            </td>
            <td className="px-3 py-2" data-label="Role">
              <span>{m.role === "ADMIN" ? "Admin" : "Member"}</span>
            </td>
            <td className="px-3 py-2 text-right tabular-nums" data-label="Connections">
              <span>{m._count.connections}</span>
            </td>
            <td className="px-3 py-2" data-label="Joined">
              <RelativeTime date={m.createdAt} />
            </td>
            <td className="px-3 py-2 text-right" data-label="">
              <UserRowActions userId={m.id} role={m.role} label={m.name ?? m.email} />
            </td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
