// The one Prisma Client of the app, on the pg driver adapter (no native engine; see prisma/schema.prisma).
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { countQuery } from "./query-counter";

function createClient() {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error("DATABASE_URL is not set; start Atlas with `npm start` or set it.");
  const client = new PrismaClient({
    adapter: new PrismaPg({ connectionString, max: Number(process.env.DATABASE_POOL_SIZE ?? 10) }),
    log: [{ emit: "event", level: "query" }],
  });
  client.$on("query", countQuery);
  return client;
}

type Client = ReturnType<typeof createClient>;
// Next's dev server re-evaluates modules on every change; keep one client (and one pool) per process.
const globalForPrisma = globalThis as unknown as { atlasPrisma?: Client };

export const prisma: Client = globalForPrisma.atlasPrisma ?? createClient();
if (process.env.NODE_ENV !== "production") globalForPrisma.atlasPrisma = prisma;

export type { Client as PrismaClientType };
export * from "@/generated/prisma/client";
