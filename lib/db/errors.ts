// Database errors turned into messages a person can act on.
import { Prisma } from "@/lib/db/client";

export class DuplicateError extends Error {
  constructor(
    readonly model: string,
    readonly fields: string[],
  ) {
    super(`A ${model} with this ${fields.join(" and ") || "value"} already exists.`);
    this.name = "DuplicateError";
  }
}

/** Columns of a unique violation (P2002). With adapter-pg they sit under meta.driverAdapterError. */
function uniqueViolationFields(err: unknown): string[] | null {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== "P2002") return null;
  const meta = err.meta as
    | { target?: string[] | string; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } }
    | undefined;
  const fields = meta?.driverAdapterError?.cause?.constraint?.fields ?? meta?.target ?? [];
  return (Array.isArray(fields) ? fields : [fields]).map((f) => f.replace(/^"|"$/g, ""));
}

/** Runs a write; a unique violation becomes a DuplicateError naming the model and columns. */
export async function rejectDuplicates<T>(model: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const fields = uniqueViolationFields(err);
    if (fields) throw new DuplicateError(model, fields);
    throw err;
  }
}
