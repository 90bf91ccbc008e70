// The one PostgreSQL connection pool of a process: Prisma's (lib/db/client.ts) and, for the webhook hot path,
// pg's directly. Apart from the Prisma client so that the production server's webhook path (scripts/server.ts,
// outside Next's bundle) can share the pool without loading a second Prisma client beside the bundle's.
import "server-only";
import pg from "pg";
import { getEnv } from "@/lib/env";
import { errorFields, log } from "@/lib/log";
import { countQuery } from "./query-counter";

function createPool() {
  const { DATABASE_URL, DATABASE_POOL_SIZE } = getEnv();
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: DATABASE_POOL_SIZE });
  // An idle connection the server closed (a PostgreSQL restart, a failover) is an 'error' event on the pool:
  // without a listener from the start it would end the process. The pool replaces the connection by itself.
  pool.on("error", (err) => log.warn({ ...errorFields(err), component: "db" }, "an idle database connection was closed; the pool opens a new one when needed"));
  // Count statements where they are sent, in the caller's async context (see query-counter.ts).
  pool.on("connect", (connection) => {
    const query = connection.query.bind(connection) as (...args: unknown[]) => unknown;
    (connection as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      countQuery();
      return query(...args);
    };
  });
  return pool;
}

// One per process, whichever copy of this module asks first (Next's dev server re-evaluates modules; the
// production server loads the webhook path beside Next's bundle).
const holder = globalThis as unknown as { atlasPgPool?: pg.Pool };

/**
 * The pool, for the rare statement whose per-call cost counts: the webhook route's INSERT (Prisma's query
 * pipeline spent 0.30 ms of CPU on it, pg 0.07 ms; measured at 3,000 inserts) and the ingestion ledger's
 * per-page lookup and upserts (lib/ingest/ledger.ts: Prisma added about 20 ms a page). Everything else uses Prisma.
 */
export const pgPool: pg.Pool = holder.atlasPgPool ?? (holder.atlasPgPool = createPool());
