"use client";
import { startTransition } from "react";
import { useFormAction } from "@/components/action-feedback";
import { ConfirmButton } from "@/components/confirm-dialog";
import { changeRoleAction, inviteAction, removeAction } from "@/app/(app)/users/actions";

const small = "rounded-md border px-2 py-1 text-xs font-medium disabled:opacity-50";

export function InviteForm() {
  const [, action, pending] = useFormAction(inviteAction);
  return (
    <form action={action} className="flex flex-wrap items-end gap-3 [&>label]:min-w-0 [&>label]:max-w-full">
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
    </form>
  );
}

/**
 * A person's row buttons: change role, and remove (for a pending invitation: revoke, which removes the
 * user too). `pending` is an invitation never used.
 */
export function UserRowActions({ userId, role, label, email, pending }: { userId: string; role: "ADMIN" | "MEMBER"; label: string; email: string; pending: boolean }) {
  const [, roleAction, rolePending] = useFormAction(changeRoleAction);
  const [, remove, removePending] = useFormAction(removeAction);
  const removeForm = () => {
    const form = new FormData();
    form.set("userId", userId);
    startTransition(() => remove(form));
  };
  return (
    <div className="flex flex-wrap gap-2 sm:justify-end">
      <form action={roleAction}>
        <input type="hidden" name="userId" value={userId} />
        <input type="hidden" name="role" value={role === "ADMIN" ? "MEMBER" : "ADMIN"} />
        <button disabled={rolePending} className={`${small} border-slate-300 hover:bg-slate-100`}>
          {role === "ADMIN" ? "Make member" : "Make admin"}
          <span className="sr-only"> ({label})</span>
        </button>
      </form>
      {pending ? (
        <ConfirmButton
          label={
            <>
              Revoke<span className="sr-only"> invitation for {email}</span>
            </>
          }
          className={`${small} border-rose-300 text-rose-800 hover:bg-rose-50`}
          disabled={removePending}
          title={`Revoke the invitation for ${email}?`}
          confirmLabel="Revoke invitation"
          onConfirm={removeForm}
        >
          <p>This email can no longer sign in. You can invite it again later.</p>
        </ConfirmButton>
      ) : (
        <ConfirmButton
          label={
            <>
              Remove<span className="sr-only"> {label}</span>
            </>
          }
          className={`${small} border-rose-300 text-rose-800 hover:bg-rose-50`}
          disabled={removePending}
          title={`Remove ${label}?`}
          confirmLabel="Remove"
          onConfirm={removeForm}
        >
          <p>
            {label} can no longer sign in. Their connections and sync history are deleted too. This cannot be undone.
          </p>
        </ConfirmButton>
      )}
    </div>
  );
}
