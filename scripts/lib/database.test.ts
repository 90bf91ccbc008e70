// A database user limited to its own database must be able to run every npm script: ensureDatabase opens
// `postgres` only when the target database is missing. Real PostgreSQL; the connections are observed by
// wrapping the connection factory.
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { databaseName, dropDatabase, ensureDatabase, withDatabaseName, type Connect } from "./database";

const base = process.env.DATABASE_URL!;
const scratch = withDatabaseName(base, `${databaseName(base)}_ensure_${process.pid}`);

function observed() {
  const opened: string[] = [];
  const connect: Connect = async (url) => {
    opened.push(databaseName(url));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return client;
  };
  return { opened, connect };
}

afterAll(() => dropDatabase(scratch));

describe("ensureDatabase", () => {
  it("never opens the postgres database when the target exists", async () => {
    const { opened, connect } = observed();
    await ensureDatabase(base, connect);
    expect(opened).toEqual([databaseName(base)]);
  });

  it("creates a missing database through postgres, then finds it without postgres", async () => {
    await dropDatabase(scratch);
    const first = observed();
    await ensureDatabase(scratch, first.connect);
    expect(first.opened).toEqual([databaseName(scratch), "postgres"]);
    const second = observed();
    await ensureDatabase(scratch, second.connect);
    expect(second.opened).toEqual([databaseName(scratch)]);
  });

  it("says what to do when the database is missing and postgres is out of reach", async () => {
    const missing = withDatabaseName(base, `${databaseName(base)}_missing_${process.pid}`);
    const connect: Connect = async (url) => {
      if (databaseName(url) === "postgres") throw Object.assign(new Error('permission denied for database "postgres"'), { code: "42501" });
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    };
    await expect(ensureDatabase(missing, connect)).rejects.toThrow(/does not exist.*permission denied.*Create/);
  });

  it("passes other failures through (a wrong password is not a missing database)", async () => {
    const u = new URL(base);
    u.password = "wrong-password";
    const { opened, connect } = observed();
    await expect(ensureDatabase(u.toString(), connect)).rejects.toThrow(/password/);
    expect(opened).not.toContain("postgres");
  });
});
