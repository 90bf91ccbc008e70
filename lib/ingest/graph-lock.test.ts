import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { waitFor } from "@/lib/test/ingest-harness";
import { tryLockGraph } from "./graph-lock";

describe("graph lock", () => {
  it("is exclusive across sessions, and says it is lost when its connection dies (so the run stops)", async () => {
    const graphId = `lock-test-${randomUUID()}`;
    const lock = await tryLockGraph(graphId);
    expect(lock).not.toBeNull();
    expect(await tryLockGraph(graphId)).toBeNull();
    expect(lock!.lost()).toBe(false);

    // The lock's session ends (server restart, network cut): PostgreSQL frees the lock with it.
    await prisma.$executeRaw`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'atlas-graph-lock' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)
        AND pid <> pg_backend_pid()
        AND pid IN (SELECT l.pid FROM pg_locks l WHERE l.objid = (hashtextextended(${`zep-graph:${graphId}`}, 0) & x'ffffffff'::bigint)::oid)`;
    await waitFor(async () => lock!.lost(), "the lock to notice its connection died", 10_000);
    const next = await tryLockGraph(graphId);
    expect(next).not.toBeNull();
    await next!.release();
    await lock!.release();
    expect(lock!.lost()).toBe(false);
  });
});
