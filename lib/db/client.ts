// The one Prisma Client of the app, on the pg driver adapter (no native engine; see prisma/schema.prisma),
// over the process's pool (pool.ts).
import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/generated/prisma/client";
import { pgPool } from "./pool";

const createClient = () => new PrismaClient({ adapter: new PrismaPg(pgPool) });

type Client = ReturnType<typeof createClient>;
// Next's dev server re-evaluates modules on every change; keep one client per process
// (in production the module is evaluated once, so keeping it there too changes nothing).
const globalForPrisma = globalThis as unknown as { atlasPrisma?: Client };

export const prisma: Client = globalForPrisma.atlasPrisma ?? createClient();
globalForPrisma.atlasPrisma = prisma;

export { pgPool };
export type { Client as PrismaClientType };
export * from "@/generated/prisma/client";
