import { Card } from "@/components/card";
import { DataTable } from "@/components/data-table";
import { RelativeTime } from "@/components/relative-time";
import { StatusBadge } from "@/components/status-badge";
import { InviteForm, UserRowActions } from "@/components/user-forms";
import { getAdmin } from "@/lib/auth/viewer";
import { listMembers } from "@/lib/dashboard/users";

export const metadata = { title: "People" };

const roleName = (role: "ADMIN" | "MEMBER") => (role === "ADMIN" ? "Admin" : "Member");

function Person({ name, email }: { name: string | null; email: string }) {
  return (
    <div className="min-w-0 [overflow-wrap:anywhere]">
      {name ?? "—"}
      <span className="block text-xs text-slate-600">{email}</span>
    </div>
  );
}

export default async function PeoplePage() {
  const viewer = await getAdmin();
  const { members, invitations } = await listMembers(viewer);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">People of {viewer.organizationName}</h1>
      <Card title="Invite someone">
        <p className="mb-3 text-sm text-slate-600">They can sign in with this email right away. Only invited emails can sign in.</p>
        <InviteForm />
      </Card>

      {invitations.length > 0 && (
        <section aria-labelledby="invitations-title" className="space-y-2" data-testid="invitations">
          <h2 id="invitations-title" className="text-lg font-semibold">
            Pending invitations <span className="text-sm font-normal text-slate-600">({invitations.length}, not signed in yet)</span>
          </h2>
          <DataTable testId="invitations-table" minWidth={560} columns={[{ label: "Email" }, { label: "Role" }, { label: "Invited" }, { label: <span className="sr-only">Actions</span> }]}>
            {invitations.map((i) => (
              <tr key={i.id} className="border-t border-slate-100" data-testid="invitation-row">
                <td className="px-3 py-2">
                  <div className="flex min-w-0 flex-wrap items-start gap-x-3 gap-y-1">
                    <Person name={i.name} email={i.email} />
                    <StatusBadge status="INVITED" />
                  </div>
                </td>
                <td className="px-3 py-2">
                  <span>{roleName(i.role)}</span>
                </td>
                <td className="px-3 py-2" data-testid="invited">
                  <span>
                    <RelativeTime date={i.invitedAt} />
                    {i.invitedBy && <span className="text-slate-600"> by {i.invitedBy}</span>}
                  </span>
                </td>
                <td className="px-3 py-2 text-right" data-label="">
                  <UserRowActions userId={i.id} role={i.role} label={i.name ?? i.email} email={i.email} pending />
                </td>
              </tr>
            ))}
          </DataTable>
        </section>
      )}

      <section aria-labelledby="members-title" className="space-y-2">
        <h2 id="members-title" className="text-lg font-semibold">
          Members <span className="text-sm font-normal text-slate-600">({members.length})</span>
        </h2>
        <DataTable
          testId="users-table"
          minWidth={680}
          columns={[{ label: "Name" }, { label: "Role" }, { label: "Connections", align: "right" }, { label: "Last sign-in" }, { label: "Joined" }, { label: <span className="sr-only">Actions</span> }]}
        >
          {members.map((m) => (
            <tr key={m.id} className="border-t border-slate-100" data-testid="user-row">
              <td className="px-3 py-2" data-label="Name">
                <Person name={m.name} email={m.email} />
              </td>
              <td className="px-3 py-2" data-label="Role">
                <span>{roleName(m.role)}</span>
              </td>
              <td className="px-3 py-2 text-right tabular-nums" data-label="Connections">
                <span>{m._count.connections}</span>
              </td>
              <td className="px-3 py-2" data-label="Last sign-in" data-testid="last-sign-in">
                <RelativeTime date={m.lastSignInAt} />
              </td>
              <td className="px-3 py-2" data-label="Joined">
                <RelativeTime date={m.createdAt} />
              </td>
              <td className="px-3 py-2 text-right" data-label="">
                <UserRowActions userId={m.id} role={m.role} label={m.name ?? m.email} email={m.email} pending={false} />
              </td>
            </tr>
          ))}
        </DataTable>
      </section>
    </div>
  );
}
