// The first organization and its admin, on a fresh deployment (nobody can sign in before an admin exists,
// and admins invite everyone else from the Users page):
//   npm run create-admin -- --email ada@example.com --org "Acme" [--name "Ada Lovelace"] [--additional]
// Runs through scripts/atlas.ts, so the database exists and is migrated first. Running it again with the
// same email and organization changes nothing. It refuses to:
//   - add an organization to a database that has one already (unless --additional: a second tenant);
//   - touch an existing user of another organization, or promote an existing member (do that in the app).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { z } from "zod";
import { PrismaClient } from "../generated/prisma/client";

export type CreateAdminInput = { email: string; org: string; name?: string; additional?: boolean };
export type CreateAdminResult = { outcome: "created" | "unchanged"; organizationId: string; userId: string };

export class CreateAdminRefused extends Error {
  name = "CreateAdminRefused";
}

const input = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("--email must be an email address")),
  org: z.string().trim().min(1, "--org must name the organization").max(200),
  name: z.string().trim().min(1).max(200).optional(),
  additional: z.boolean().optional(),
});

// One run at a time: two concurrent first runs must not make two "first" organizations.
const LOCK_KEY = 7_231_004_115;

export async function createAdmin(prisma: PrismaClient, raw: CreateAdminInput): Promise<CreateAdminResult> {
  const parsed = input.safeParse(raw);
  if (!parsed.success) throw new CreateAdminRefused(parsed.error.issues.map((i) => i.message).join("; "));
  const { email, org, name, additional } = parsed.data;
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
    const existing = await tx.user.findUnique({ where: { email }, include: { organization: { select: { name: true } } } });
    if (existing) {
      if (existing.organization.name !== org) {
        throw new CreateAdminRefused(`${email} already belongs to the organization "${existing.organization.name}", not "${org}". Nothing changed.`);
      }
      if (existing.role !== "ADMIN") {
        throw new CreateAdminRefused(`${email} is a member of "${org}", not an admin. An admin of "${org}" can change their role on the Users page. Nothing changed.`);
      }
      return { outcome: "unchanged", organizationId: existing.organizationId, userId: existing.id };
    }
    const organizations = await tx.organization.count();
    if (organizations > 0 && !additional) {
      throw new CreateAdminRefused(
        `This database already has ${organizations} organization(s): its admins invite people from the Users page. ` +
          `To add another organization, run again with --additional. Nothing changed.`,
      );
    }
    if (additional && (await tx.organization.findFirst({ where: { name: org }, select: { id: true } }))) {
      throw new CreateAdminRefused(`An organization named "${org}" exists already; its admins invite people from the Users page. Nothing changed.`);
    }
    const organization = await tx.organization.create({ data: { name: org } });
    const user = await tx.user.create({ data: { email, name: name ?? null, role: "ADMIN", organizationId: organization.id } });
    return { outcome: "created", organizationId: organization.id, userId: user.id };
  });
}

function parseArgs(argv: string[]): CreateAdminInput {
  const out: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = arg.match(/^--(email|org|name)(?:=(.*))?$/);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || value.startsWith("--")) throw new CreateAdminRefused(`--${m[1]} needs a value`);
      out[m[1]] = value;
    } else if (arg === "--additional") out.additional = true;
    else throw new CreateAdminRefused(`Unknown argument "${arg}". Usage: npm run create-admin -- --email <email> --org <name> [--name <name>] [--additional]`);
  }
  return out as CreateAdminInput;
}

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: run this through `npm run create-admin`.");
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  try {
    const args = parseArgs(process.argv.slice(2));
    const result = await createAdmin(prisma, args);
    console.log(
      result.outcome === "created"
        ? `Created the organization "${args.org.trim()}" and its admin ${args.email.trim().toLowerCase()}. They can sign in now with your identity provider.`
        : `${args.email.trim().toLowerCase()} is already an admin of "${args.org.trim()}". Nothing changed.`,
    );
  } finally {
    await prisma.$disconnect();
    await pool.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(err instanceof CreateAdminRefused ? `Refused: ${err.message}` : err);
    process.exit(err instanceof CreateAdminRefused ? 2 : 1);
  });
}
