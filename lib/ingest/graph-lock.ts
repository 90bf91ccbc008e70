// One writer per Zep graph across every Atlas process. Zep processes one graph's episodes in order, and
// ingestRecords' exactly-once check (read the graph's episode keys, then write the missing ones) is only
// sound when nobody else writes the same graph meanwhile. Within one process ingestRecords already queues
// runs per graph; across processes a PostgreSQL session advisory lock keyed by the graph id does it.
//
// The lock lives on a dedicated connection held for the whole run: if the worker dies (SIGKILL, OOM, lost
// network), PostgreSQL ends the session and the lock is released with it, so a crashed worker never
// blocks its graph.
import "server-only";
import pg from "pg";
import { getEnv } from "@/lib/env";

export type GraphLock = {
  /** True once the lock's connection broke: the lock may be someone else's now, so the run must stop. */
  lost(): boolean;
  release(): Promise<void>;
};

const lockKey = (graphId: string) => `zep-graph:${graphId}`;

/** The lock if it is free now, else null (the caller retries later instead of holding a worker slot). */
export async function tryLockGraph(graphId: string, connectionString = getEnv().DATABASE_URL): Promise<GraphLock | null> {
  // keepAlive: a worker host that vanishes must not hold its graph until TCP gives up hours later.
  const client = new pg.Client({ connectionString, application_name: "atlas-graph-lock", keepAlive: true });
  let broken = false;
  // A broken lock connection must not crash the process; the run checks lost() between records.
  client.on("error", () => void (broken = true));
  client.on("end", () => void (broken = true));
  await client.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [lockKey(graphId)]);
    if (!rows[0]?.locked) {
      await client.end();
      return null;
    }
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  let released = false;
  return {
    lost: () => broken && !released,
    async release() {
      if (released) return;
      released = true;
      // Ending the session releases the lock even if the unlock statement fails.
      await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [lockKey(graphId)]).catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
