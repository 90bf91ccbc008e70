"use client";
import { createProjectAction } from "@/app/(app)/knowledge/actions";
import { useFormAction } from "@/components/action-feedback";
import { PROJECT_KEY_PATTERN } from "@/lib/project-key";

export function ProjectForm() {
  const [, action, pending] = useFormAction(createProjectAction);
  return (
    <form action={action} className="flex flex-wrap items-end gap-3">
      <label className="flex flex-col text-xs font-medium text-slate-700">
        Name
        <input name="name" required maxLength={100} className="mt-1 w-56 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
      </label>
      <label className="flex flex-col text-xs font-medium text-slate-700">
        Key (optional)
        <input name="key" maxLength={40} pattern={PROJECT_KEY_PATTERN} placeholder="from the name" className="mt-1 w-40 rounded-md border border-slate-300 px-2 py-1.5 text-sm" />
      </label>
      <button disabled={pending} className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
        Add project
      </button>
    </form>
  );
}
