// The app's pool survives the server closing its idle connections (a PostgreSQL restart, a failover).
import pg from "pg";
import { describe, expect, it } from "vitest";
import { prisma } from "./client";

describe("prisma client pool", () => {
  it("outlives an idle connection terminated by the server, and the next query gets a new one", async () => {
    const [{ pid }] = await prisma.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ ok: boolean }>("SELECT pg_terminate_backend($1) AS ok", [pid]);
      expect(rows[0]!.ok).toBe(true);
    } finally {
      await admin.end();
    }
    await new Promise((r) => setTimeout(r, 200)); // the idle client's 'error' event arrives meanwhile
    const [{ pid: next }] = await prisma.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    expect(next).not.toBe(pid);
  });
});
