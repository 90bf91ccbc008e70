// The first admin on an empty, migrated database of this test's own (created and dropped here).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrismaClient } from "../generated/prisma/client";
import { createAdmin, CreateAdminRefused } from "./create-admin";
import { databaseName, dropDatabase, recreateDatabase, withDatabaseName } from "./lib/database";
import { prisma as prismaCli } from "./lib/run";

const url = withDatabaseName(process.env.DATABASE_URL!, `${databaseName(process.env.DATABASE_URL!)}_admin_${process.pid}`);
let db: PrismaClient;
let pool: pg.Pool;

beforeAll(async () => {
  await recreateDatabase(url);
  await prismaCli(["migrate", "deploy"], url);
  pool = new pg.Pool({ connectionString: url, max: 4 });
  db = new PrismaClient({ adapter: new PrismaPg(pool) });
}, 120_000);

afterAll(async () => {
  await db?.$disconnect();
  await pool?.end(); // a pool handed to the adapter is ours to close
  await dropDatabase(url);
});

describe("npm run create-admin", () => {
  it("creates the first organization and its admin on an empty database, then changes nothing on a second run", async () => {
    const first = await createAdmin(db, { email: " Ada@Example.COM ", org: "Acme", name: "Ada" });
    expect(first.outcome).toBe("created");
    const user = await db.user.findUniqueOrThrow({ where: { email: "ada@example.com" }, include: { organization: true } });
    expect(user).toMatchObject({ role: "ADMIN", name: "Ada", organization: { name: "Acme" } });
    const again = await createAdmin(db, { email: "ada@example.com", org: "Acme" });
    expect(again).toEqual({ outcome: "unchanged", organizationId: first.organizationId, userId: first.userId });
    expect(await db.organization.count()).toBe(1);
    expect(await db.user.count()).toBe(1);
  });

  it("refuses a second organization unless asked (--additional), and a duplicate organization name even then", async () => {
    await expect(createAdmin(db, { email: "eve@example.com", org: "Evil Corp" })).rejects.toThrow(/already has 1 organization.*--additional/);
    await expect(createAdmin(db, { email: "eve@example.com", org: "Acme", additional: true })).rejects.toThrow(/named "Acme" exists already/);
    const second = await createAdmin(db, { email: "gus@example.com", org: "Globex", additional: true });
    expect(second.outcome).toBe("created");
    expect(await db.organization.count()).toBe(2);
  });

  it("never moves or promotes an existing user", async () => {
    await expect(createAdmin(db, { email: "ada@example.com", org: "Globex", additional: true })).rejects.toThrow(/already belongs to the organization "Acme"/);
    const acme = await db.organization.findFirstOrThrow({ where: { name: "Acme" } });
    await db.user.create({ data: { email: "mo@example.com", role: "MEMBER", organizationId: acme.id } });
    await expect(createAdmin(db, { email: "mo@example.com", org: "Acme" })).rejects.toThrow(CreateAdminRefused);
    expect((await db.user.findUniqueOrThrow({ where: { email: "mo@example.com" } })).role).toBe("MEMBER");
  });

  it("refuses a malformed email or an empty organization name", async () => {
    await expect(createAdmin(db, { email: "not-an-email", org: "Acme" })).rejects.toThrow(/--email/);
    await expect(createAdmin(db, { email: "x@example.com", org: "  " })).rejects.toThrow(/--org/);
  });

  it("makes one organization when two first runs race", async () => {
    await db.organization.deleteMany(); // empty again (users go with their organization)
    const results = await Promise.allSettled([
      createAdmin(db, { email: "a@example.com", org: "One" }),
      createAdmin(db, { email: "b@example.com", org: "Two" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")?.reason).toBeInstanceOf(CreateAdminRefused);
    expect(await db.organization.count()).toBe(1);
  });
});
