// The backup round trip at scale: the scale bench's dataset (100 organizations, 1,000,000 sync jobs, 200,000
// webhook deliveries) generated into a database of this test's own, backed up, restored into an empty
// database and compared table by table (count and a checksum of every row). Some five minutes on two cores,
// so `npm test` runs it last and alone (vitest.config.ts, ATLAS_TEST_SCALE); `npm run bench -- --backup`
// prints the same round trip's timings.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backupRoundTrip } from "./bench/backup-roundtrip";
import { generateScaleData, hasScaleData, SCALE } from "./bench/scale-data";
import { databaseName, dropDatabase, recreateDatabase, withDatabaseName } from "./lib/database";
import { prisma as prismaCli } from "./lib/run";

const base = process.env.DATABASE_URL!;
const source = withDatabaseName(base, `${databaseName(base)}_backup_scale_${process.pid}`);

beforeAll(async () => {
  await recreateDatabase(source);
  await prismaCli(["migrate", "deploy"], source);
  const db = new pg.Client({ connectionString: source });
  await db.connect();
  try {
    expect(await hasScaleData(db)).toBe(false); // (creates the dataset's marker table, as the bench does)
    await generateScaleData(db, () => {});
  } finally {
    await db.end();
  }
}, 900_000);

afterAll(() => dropDatabase(source));

describe("npm run backup / restore at scale", () => {
  it("restores the scale dataset into an empty database with every table identical, row for row", async () => {
    const r = await backupRoundTrip(source);
    expect(r.tables.SyncJob?.rows).toBe(SCALE.connections * SCALE.jobsPerConnection);
    expect(r.tables.WebhookDelivery?.rows).toBe(SCALE.deliveries);
    expect(r.tables.Connection?.rows).toBe(SCALE.connections);
    expect(r.restoredCountsMatch).toBe(true);
    expect(Object.entries(r.tables).filter(([, t]) => !t.identical).map(([name]) => name)).toEqual([]);
  }, 900_000);
});
