"use client";
import { useActionState } from "react";
import type { ActionResult } from "@/lib/actions";
import { changeRoleAction, inviteAction, removeAction } from "@/app/(app)/users/actions";

function Message({ state }: { state: ActionResult | null }) {
  if (!state) return null;
  return (
    <p role={state.ok ? "status" : "alert"} className={`text-sm ${state.ok ? "text-emerald-800" : "text-rose-800"}`}>
      {state.message}
    </p>
  );
}

export function InviteForm() {
  const [state, action, pending] = useActionState(inviteAction, null);
  return (
    <form action={action} className="space-y-2">
      <div className="flex flex-wrap items-end gap-3 [&>label]:min-w-0 [&>label]:max-w-full">
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Email
          <input required type="email" name="email" className="mt-1 w-64 max-w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Name
          <input name="name" className="mt-1 w-48 max-w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
        </label>
        <label className="flex flex-col text-xs font-medium text-slate-700">
          Role
          <select name="role" defaultValue="MEMBER" className="mt-1 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm">
            <option value="MEMBER">Member</option>
            <option value="ADMIN">Admin</option>
          </select>
        </label>
        <button disabled={pending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
          Invite
        </button>
      </div>
      <Message state={state} />
    </form>
  );
}

export function UserRowActions({ userId, role, label }: { userId: string; role: "ADMIN" | "MEMBER"; label: string }) {
  const [roleState, roleAction, rolePending] = useActionState(changeRoleAction, null);
  const [removeState, remove, removePending] = useActionState(removeAction, null);
  return (
    <div className="flex flex-col items-start gap-1 sm:items-end">
      <div className="flex flex-wrap gap-2">
        <form action={roleAction}>
          <input type="hidden" name="userId" value={userId} />
          <input type="hidden" name="role" value={role === "ADMIN" ? "MEMBER" : "ADMIN"} />
          <button disabled={rolePending} className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100">
            {role === "ADMIN" ? "Make member" : "Make admin"}
          </button>
        </form>
        <form
          action={remove}
          onSubmit={(e) => {
            if (!confirm(`Remove ${label}? Their connections and sync history are deleted too.`)) e.preventDefault();
          }}
        >
          <input type="hidden" name="userId" value={userId} />
          <button disabled={removePending} className="rounded-md border border-rose-300 px-2 py-1 text-xs text-rose-800 hover:bg-rose-50">
            Remove
          </button>
        </form>
      </div>
      <Message state={roleState ?? removeState} />
    </div>
  );
}
