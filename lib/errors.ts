// The one family of application errors. Code anywhere in lib/ throws these with a message a person can act
// on; server actions (lib/actions.ts) and route handlers turn them into a result or an HTTP status here, and
// nowhere else. Anything that is not an AppError is a bug or an outage: it is logged and answered generically.
import { ZodError } from "zod";
import { Prisma } from "@/lib/db/client";

export type AppErrorKind = "not_found" | "forbidden" | "conflict" | "invalid" | "unavailable";

const HTTP_STATUS: Record<AppErrorKind, number> = { not_found: 404, forbidden: 403, conflict: 409, invalid: 400, unavailable: 503 };

export class AppError extends Error {
  constructor(
    readonly kind: AppErrorKind,
    /** Shown to the person who asked: say what happened and what to do next. */
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
  get status(): number {
    return HTTP_STATUS[this.kind];
  }
}

/** Missing, or not visible to the viewer: the two look alike on purpose, so nothing leaks across tenants. */
export class NotFoundError extends AppError {
  constructor(message = "Not found, or not visible to you.", options?: { cause?: unknown }) {
    super("not_found", message, options);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = "You may not do this.", options?: { cause?: unknown }) {
    super("forbidden", message, options);
  }
}

/** The request clashes with the current state: a duplicate, or a change that arrived after another. */
export class ConflictError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("conflict", message, options);
  }
}

export class InvalidError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("invalid", message, options);
  }
}

/** An outside service (Nango, Zep) or a piece of configuration is missing or down; trying later may work. */
export class UnavailableError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("unavailable", message, options);
  }
}

/** Columns of a unique violation (P2002). With adapter-pg they sit under meta.driverAdapterError. */
function uniqueViolationFields(err: Prisma.PrismaClientKnownRequestError): string[] {
  const meta = err.meta as { target?: string[] | string; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } } | undefined;
  const fields = meta?.driverAdapterError?.cause?.constraint?.fields ?? meta?.target ?? [];
  return (Array.isArray(fields) ? fields : [fields]).map((f) => f.replace(/^"|"$/g, ""));
}

/**
 * Prisma's known errors as application errors, in this one place: a unique violation is a conflict naming
 * the columns, a missing row for update/delete is not found. Anything else is returned as it was.
 */
export function fromPrismaError(err: unknown, model = "record"): unknown {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return err;
  if (err.code === "P2002") {
    const fields = uniqueViolationFields(err);
    return new ConflictError(`A ${model} with this ${fields.join(" and ") || "value"} already exists.`, { cause: err });
  }
  if (err.code === "P2025") return new NotFoundError(`This ${model} no longer exists.`, { cause: err });
  return err;
}

/** Runs a write; a unique violation becomes a ConflictError (with `message` when given). */
export async function rejectDuplicates<T>(model: string, write: () => Promise<T>, message?: string): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const translated = fromPrismaError(err, model);
    if (translated instanceof ConflictError && message) throw new ConflictError(message, { cause: err });
    throw translated;
  }
}

export const UNEXPECTED_MESSAGE = "Atlas could not finish this; the error is logged. Try again shortly.";

/** The sentence for a person and the HTTP status, for any thrown value. */
export function describeError(err: unknown): { status: number; message: string; expected: boolean } {
  if (err instanceof ZodError) return { status: 400, message: err.issues.map((i) => i.message).join(" "), expected: true };
  const known = fromPrismaError(err);
  if (known instanceof AppError) return { status: known.status, message: known.message, expected: true };
  return { status: 500, message: UNEXPECTED_MESSAGE, expected: false };
}
