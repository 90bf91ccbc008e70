// The one Prisma Client of the app, on the pg driver adapter (no native engine; see prisma/schema.prisma).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/generated/prisma/client";
import { countQuery } from "./query-counter";

function createClient() {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set; start Atlas with `npm start` or set it.");
  const pool = new pg.Pool({ connectionString, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) });
  // Count statements where they are sent, in the caller's async context (see query-counter.ts).
  pool.on("connect", (connection) => {
    const query = connection.query.bind(connection) as (...args: unknown[]) => unknown;
    (connection as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      countQuery();
      return query(...args);
    };
  });
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}

type Client = ReturnType<typeof createClient>;
// Next's dev server re-evaluates modules on every change; keep one client (and one pool) per process.
const globalForPrisma = globalThis as unknown as { atlasPrisma?: Client };

export const prisma: Client = globalForPrisma.atlasPrisma ?? createClient();
if (process.env.NODE_ENV !== "production") globalForPrisma.atlasPrisma = prisma;

export type { Client as PrismaClientType };
export * from "@/generated/prisma/client";
