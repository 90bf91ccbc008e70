// Backups round-trip: the demo data (plus rows with awkward values) is backed up, restored into an empty
// database of this test's own, and every table compared row for row (count and checksum of the rows' text).
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backup, restore, tableFingerprints } from "./backup";
import { databaseName, dropDatabase, recreateDatabase, withDatabaseName } from "./lib/database";
import { prisma as prismaCli, run } from "./lib/run";

const base = process.env.DATABASE_URL!;
const source = withDatabaseName(base, `${databaseName(base)}_backup_src_${process.pid}`);
const target = withDatabaseName(base, `${databaseName(base)}_backup_dst_${process.pid}`);
const migrate = (url: string) => () => prismaCli(["migrate", "deploy"], url);
let dir: string;

async function sql(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "atlas-backup-"));
  await recreateDatabase(source);
  await recreateDatabase(target);
  await migrate(source)();
  await run("tsx", ["--conditions=react-server", "prisma/seed.ts"], { DATABASE_URL: source });
  // Values a text format gets wrong: newlines, tabs, backslashes, quotes, non-ASCII, nested JSON, NULLs.
  const [org] = await sql(source, `SELECT id FROM "Organization" ORDER BY id LIMIT 1`);
  await sql(source, `INSERT INTO "User" (id, email, name, role, "organizationId", "updatedAt") VALUES ('user_awkward', 'awk@example.test', $1, 'MEMBER', $2, now()), ('user_nullname', 'null@example.test', NULL, 'MEMBER', $2, now())`, [
    'Zoë "Q" \\ back\nslash\ttab ☃ \u0001',
    org.id,
  ]);
  await sql(source, `INSERT INTO "Connection" (id, "connectionId", provider, status, "userId", "organizationId", metadata, "updatedAt") VALUES ('conn_awkward', 'c-awk', 'GITHUB', 'ACTIVE', 'user_awkward', $1, $2::jsonb, now())`, [
    org.id,
    JSON.stringify({ accountName: "línea\n2", nested: { a: [1, 2.5, null, "\\"], "key with \"quote\"": true } }),
  ]);
}, 180_000);

afterAll(async () => {
  await dropDatabase(source);
  await dropDatabase(target);
});

describe("npm run backup / restore", () => {
  it("restores every table row for row into an empty database, sequences included", async () => {
    const file = path.join(dir, "atlas.backup.gz");
    const written = await backup(source, file);
    expect(written.tables.User).toBeGreaterThan(2);
    expect(written.tables.SyncJob).toBeGreaterThan(100);
    const restored = await restore(target, file, migrate(target));
    expect(restored.tables).toEqual(written.tables);
    const [before, after] = await Promise.all([tableFingerprints(source), tableFingerprints(target)]);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);
    const seq = "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1";
    expect(await sql(target, seq)).toEqual(await sql(source, seq));
    expect((await sql(target, `SELECT name FROM "User" WHERE id = 'user_awkward'`))[0].name).toBe('Zoë "Q" \\ back\nslash\ttab ☃ \u0001');
    // The fingerprint sees a one-character change in one row (so the comparison above can fail).
    await sql(target, `UPDATE "User" SET name = name || '.' WHERE id = 'user_awkward'`);
    expect((await tableFingerprints(target)).User).not.toEqual(before.User);
  }, 180_000);

  it("refuses a database that holds data", async () => {
    const file = path.join(dir, "again.backup.gz");
    await backup(source, file);
    await expect(restore(source, file, migrate(source))).rejects.toThrow(/not empty/);
  }, 60_000);

  it("never overwrites an existing backup file", async () => {
    const file = path.join(dir, "atlas.backup.gz");
    await expect(backup(source, file)).rejects.toThrow(/EEXIST/);
  });

  it("detects a damaged backup and restores nothing of it", async () => {
    const good = path.join(dir, "tamper.backup.gz");
    await backup(source, good);
    const text = gunzipSync(await readFile(good)).toString("utf8").replace("awk@example.test", "evil@example.test");
    const bad = path.join(dir, "tampered.backup.gz");
    await writeFile(bad, gzipSync(text));
    const scratch = withDatabaseName(base, `${databaseName(base)}_backup_bad_${process.pid}`);
    await recreateDatabase(scratch);
    try {
      await expect(restore(scratch, bad, migrate(scratch))).rejects.toThrow(/table "User" is damaged/);
      expect(await sql(scratch, `SELECT count(*)::int AS n FROM "Organization"`)).toEqual([{ n: 0 }]);
      const truncated = path.join(dir, "truncated.backup.gz");
      await writeFile(truncated, gzipSync(text.split("\n").slice(0, 40).join("\n")));
      // Already migrated by the attempt above (and rolled back to empty): no second `migrate deploy` needed.
      await expect(restore(scratch, truncated, async () => {})).rejects.toThrow(/damaged|incomplete|ends early/);
    } finally {
      await dropDatabase(scratch);
    }
  }, 180_000);
});
