// npm run rotate-keys: seals every connection's and every connect session's metadata under the current key
// (the first of ATLAS_ENCRYPTION_KEYS): plaintext rows from before encryption was configured, and rows sealed
// under an older key. Batches of --batch rows (default 500), each its own transaction, in id order, table by
// table. Resumable by construction: a row already under the current key is skipped, so a stopped run is simply
// run again. A row changed by the app meanwhile is left for the next run (the update matches the value read).
// When it reports 0 rows left, old keys can be removed from ATLAS_ENCRYPTION_KEYS.
import { prisma, Prisma } from "@/lib/db/client";
import { CONNECTION_PLAINTEXT, SESSION_PLAINTEXT, needsSealing, openMetadata, sealMetadata, type PlaintextKeys } from "@/lib/data/sealed-metadata";
import { keyRing, type KeyRing } from "@/lib/encryption";

export type RotateOptions = {
  ring?: KeyRing | null;
  batchSize?: number;
  /** Stop after this many batches in all (a deliberate halt, e.g. a maintenance window). */
  maxBatches?: number;
  /** Only this organization's rows (tests work inside their own organization). */
  organizationId?: string;
};
export type RotateCounts = { examined: number; sealed: number; skippedChanged: number; remaining: number };
export type RotateResult = RotateCounts & { tables: Record<TableName, RotateCounts> };

type TableName = "Connection" | "Session";
type Row = { id: string; metadata: unknown };
type Table = { name: TableName; plaintext: PlaintextKeys; page: (after: string | undefined, take: number) => Promise<Row[]> };

function tables(organizationId: string | undefined): Table[] {
  const after = (id: string | undefined) => (id ? { id: { gt: id } } : {});
  const select = { id: true, metadata: true } as const;
  return [
    {
      name: "Connection",
      plaintext: CONNECTION_PLAINTEXT,
      page: (id, take) => prisma.connection.findMany({ where: { ...(organizationId ? { organizationId } : {}), ...after(id) }, orderBy: { id: "asc" }, take, select }),
    },
    {
      name: "Session",
      plaintext: SESSION_PLAINTEXT,
      page: (id, take) =>
        prisma.session.findMany({ where: { ...(organizationId ? { user: { organizationId } } : {}), ...after(id) }, orderBy: { id: "asc" }, take, select }),
    },
  ];
}

export async function rotateKeys(opts: RotateOptions = {}): Promise<RotateResult> {
  const ring = opts.ring === undefined ? keyRing() : opts.ring;
  if (!ring) throw new Error("ATLAS_ENCRYPTION_KEYS is not set: there is no key to encrypt with.");
  const batchSize = opts.batchSize ?? 500;
  const zero = (): RotateCounts => ({ examined: 0, sealed: 0, skippedChanged: 0, remaining: 0 });
  const result: RotateResult = { ...zero(), tables: { Connection: zero(), Session: zero() } };
  let batches = 0;
  for (const table of tables(opts.organizationId)) {
    const counts = result.tables[table.name];
    let after: string | undefined;
    while (opts.maxBatches === undefined || batches < opts.maxBatches) {
      const rows = await table.page(after, batchSize);
      if (!rows.length) break;
      batches++;
      after = rows[rows.length - 1].id;
      counts.examined += rows.length;
      await prisma.$transaction(async (tx) => {
        for (const row of rows) {
          if (!needsSealing(row.metadata, ring, table.plaintext)) continue;
          const next = sealMetadata(openMetadata(row.metadata, ring) as Record<string, unknown>, ring, table.plaintext);
          // Only if nobody wrote the row since it was read; otherwise the next run takes it.
          const changed = await tx.$executeRaw`UPDATE ${Prisma.raw(`"${table.name}"`)} SET metadata = ${JSON.stringify(next)}::jsonb WHERE id = ${row.id} AND metadata = ${JSON.stringify(row.metadata)}::jsonb`;
          if (changed) counts.sealed++;
          else counts.skippedChanged++;
        }
      });
      if (rows.length < batchSize) break;
    }
    counts.remaining = await countRemaining(table, ring);
  }
  for (const counts of Object.values(result.tables)) {
    for (const key of ["examined", "sealed", "skippedChanged", "remaining"] as const) result[key] += counts[key];
  }
  return result;
}

async function countRemaining(table: Table, ring: KeyRing): Promise<number> {
  let remaining = 0;
  let after: string | undefined;
  for (;;) {
    const rows = await table.page(after, 2000);
    if (!rows.length) return remaining;
    after = rows[rows.length - 1].id;
    remaining += rows.filter((r) => needsSealing(r.metadata, ring, table.plaintext)).length;
  }
}

async function main() {
  const batch = process.argv.indexOf("--batch");
  const result = await rotateKeys({ batchSize: batch > 0 ? Number(process.argv[batch + 1]) : undefined });
  const { Connection: c, Session: s } = result.tables;
  console.log(
    `Examined ${c.examined} connections and ${s.examined} connect sessions, sealed ${result.sealed} under the current key; ` +
      `${result.skippedChanged} changed meanwhile, ${result.remaining} left${result.remaining ? " (run again)" : ""}.`,
  );
  await prisma.$disconnect();
  if (result.remaining) process.exitCode = 3;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
