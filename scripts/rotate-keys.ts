// npm run rotate-keys: seals every connection's metadata under the current key (the first of
// ATLAS_ENCRYPTION_KEYS): plaintext rows from before encryption was configured, and rows sealed under an
// older key. Batches of --batch rows (default 500), each its own transaction, in id order. Resumable by
// construction: a row already under the current key is skipped, so a stopped run is simply run again. A row
// changed by the app meanwhile is left for the next run (the update matches the value read). When it reports
// 0 rows left, old keys can be removed from ATLAS_ENCRYPTION_KEYS.
import { prisma, type Prisma } from "@/lib/db/client";
import { sealMetadata, needsSealing, openMetadata } from "@/lib/data/sealed-metadata";
import { keyRing, type KeyRing } from "@/lib/encryption";

export type RotateOptions = {
  ring?: KeyRing | null;
  batchSize?: number;
  /** Stop after this many batches (a deliberate halt, e.g. a maintenance window). */
  maxBatches?: number;
  /** Only these rows (tests work inside their own organization). */
  where?: Prisma.ConnectionWhereInput;
};
export type RotateResult = { examined: number; sealed: number; skippedChanged: number; remaining: number };

export async function rotateKeys(opts: RotateOptions = {}): Promise<RotateResult> {
  const ring = opts.ring === undefined ? keyRing() : opts.ring;
  if (!ring) throw new Error("ATLAS_ENCRYPTION_KEYS is not set: there is no key to encrypt with.");
  const batchSize = opts.batchSize ?? 500;
  const result: RotateResult = { examined: 0, sealed: 0, skippedChanged: 0, remaining: 0 };
  let after: string | undefined;
  for (let batch = 0; opts.maxBatches === undefined || batch < opts.maxBatches; batch++) {
    const rows = await prisma.connection.findMany({
      where: { ...opts.where, ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: "asc" },
      take: batchSize,
      select: { id: true, metadata: true },
    });
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    result.examined += rows.length;
    await prisma.$transaction(async (tx) => {
      for (const row of rows) {
        if (!needsSealing(row.metadata, ring)) continue;
        const next = sealMetadata(openMetadata(row.metadata, ring) as Record<string, unknown>, ring);
        // Only if nobody wrote the row since it was read; otherwise the next run takes it.
        const changed = await tx.$executeRaw`UPDATE "Connection" SET metadata = ${JSON.stringify(next)}::jsonb WHERE id = ${row.id} AND metadata = ${JSON.stringify(row.metadata)}::jsonb`;
        if (changed) result.sealed++;
        else result.skippedChanged++;
      }
    });
    if (rows.length < batchSize) break;
  }
  result.remaining = await countRemaining(ring, opts.where);
  return result;
}

async function countRemaining(ring: KeyRing, where: Prisma.ConnectionWhereInput = {}): Promise<number> {
  let remaining = 0;
  let after: string | undefined;
  for (;;) {
    const rows = await prisma.connection.findMany({ where: { ...where, ...(after ? { id: { gt: after } } : {}) }, orderBy: { id: "asc" }, take: 2000, select: { id: true, metadata: true } });
    if (!rows.length) return remaining;
    after = rows[rows.length - 1].id;
    remaining += rows.filter((r) => needsSealing(r.metadata, ring)).length;
  }
}

async function main() {
  const batch = process.argv.indexOf("--batch");
  const result = await rotateKeys({ batchSize: batch > 0 ? Number(process.argv[batch + 1]) : undefined });
  console.log(`Examined ${result.examined} connections, sealed ${result.sealed} under the current key; ${result.skippedChanged} changed meanwhile, ${result.remaining} left${result.remaining ? " (run again)" : ""}.`);
  await prisma.$disconnect();
  if (result.remaining) process.exitCode = 3;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
