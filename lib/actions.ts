// The one way to write a server action: resolve the viewer (and role), validate the input with zod, run the
// work, and answer one result type. Application errors (lib/errors.ts) become their message; Nango's and
// Prisma's known errors are translated first; anything else is logged and answered with a generic sentence,
// so no action leaks a stack trace or throws at the browser.
import "server-only";
import { revalidatePath } from "next/cache";
import { unstable_rethrow } from "next/navigation";
import type { z } from "zod";
import { personActor, withAuditContext } from "@/lib/audit/record";
import { getAdmin, getViewer, type Viewer } from "@/lib/auth/viewer";
import { describeError, fromPrismaError } from "@/lib/errors";
import { log } from "@/lib/log";
import { fromNangoError } from "@/lib/nango/client";

/** What every action answers; `T` adds fields to a success (a connect session's token, say). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{}` is the identity for the intersection
export type ActionResult<T extends object = {}> = ({ ok: true; message: string } & T) | { ok: false; message: string };

type ActionOptions<S extends z.ZodType> = {
  input: S;
  /** Admin-only actions answer members with 404, like the admin pages do. */
  role?: "ADMIN";
  /** The sentence for input that fails validation; by default, zod's messages joined. */
  invalid?: string;
  /** Pages to refresh after a success. */
  revalidate?: (input: z.output<S>) => string[];
};

type Work<S extends z.ZodType, T extends object> = (viewer: Viewer, input: z.output<S>) => Promise<{ message: string } & T>;

function failure(err: unknown, action: string): { ok: false; message: string } {
  unstable_rethrow(err); // Next's redirect() and notFound() travel as errors; they are not failures.
  const { message, expected } = describeError(fromNangoError(fromPrismaError(err)));
  if (!expected) log.error({ err, action }, "server action failed");
  return { ok: false, message };
}

async function perform<S extends z.ZodType, T extends object>(name: string, options: ActionOptions<S>, raw: unknown, work: Work<S, T>): Promise<ActionResult<T>> {
  const viewer = options.role === "ADMIN" ? await getAdmin() : await getViewer();
  const parsed = options.input.safeParse(raw);
  if (!parsed.success) return { ok: false, message: options.invalid ?? parsed.error.issues.map((i) => i.message).join(" ") };
  try {
    // The viewer is the actor of every audit event the work records (lib/audit/record.ts).
    const done = await withAuditContext(personActor(viewer), () => work(viewer, parsed.data));
    for (const path of options.revalidate?.(parsed.data) ?? []) revalidatePath(path);
    return { ok: true, ...done };
  } catch (err) {
    return failure(err, name);
  }
}

/** An action called from a client component with one argument: `await startConnectAction({ provider, project })`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- see ActionResult
export function defineAction<S extends z.ZodType, T extends object = {}>(name: string, options: ActionOptions<S>, work: Work<S, T>) {
  return async (input: z.input<S>): Promise<ActionResult<T>> => perform(name, options, input, work);
}

/** An action for `useActionState` and a <form>: the form's fields are the input. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- see ActionResult
export function defineFormAction<S extends z.ZodType, T extends object = {}>(name: string, options: ActionOptions<S>, work: Work<S, T>) {
  return async (_previous: ActionResult<T> | null, form: FormData): Promise<ActionResult<T>> => perform(name, options, Object.fromEntries(form), work);
}
