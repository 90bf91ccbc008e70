// Demo data: two organizations, their users, connections of every provider in every status and a few
// hundred sync jobs over the last 60 days. Deterministic ids and create-if-missing writes make it
// idempotent: a second run finds every row and changes nothing.
import { createHash } from "node:crypto";
import { prisma, type ConnectionStatus, type Prisma, type Provider, type Role, type SyncStatus } from "../lib/db/client";

const PROVIDERS: Provider[] = ["GITHUB", "NOTION", "JIRA", "SLACK"];
const STATUSES: ConnectionStatus[] = ["ACTIVE", "ERROR", "EXPIRED", "INACTIVE"];
const DAY = 86_400_000;

/** A stable, UUID-shaped id (Nango's connection ids are UUIDs) derived from a name. */
function stableUuid(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Small deterministic PRNG (mulberry32) so every run generates the same jobs. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type DemoUser = { key: string; name: string; email: string; role: Role };
type DemoOrg = { id: string; name: string; slug: string; users: DemoUser[]; repos: string[] };

export const DEMO_ORGS: DemoOrg[] = [
  {
    id: "org_acme",
    name: "Acme Robotics",
    slug: "acme",
    repos: ["atlas", "docs", "firmware", "vision-models", "infra"],
    users: [
      { key: "ada", name: "Ada Admin", email: "ada@acme.test", role: "ADMIN" },
      { key: "ben", name: "Ben Okafor", email: "ben@acme.test", role: "MEMBER" },
      { key: "chloe", name: "Chloé Martin", email: "chloe@acme.test", role: "MEMBER" },
      { key: "dev", name: "Dev Patel", email: "dev@acme.test", role: "MEMBER" },
    ],
  },
  {
    id: "org_globex",
    name: "Globex Research",
    slug: "globex",
    repos: ["lab-notes", "pipeline", "website"],
    users: [
      { key: "grace", name: "Grace Hopper", email: "grace@globex.test", role: "ADMIN" },
      { key: "hiro", name: "Hiro Tanaka", email: "hiro@globex.test", role: "MEMBER" },
      { key: "ines", name: "Inès Duarte", email: "ines@globex.test", role: "MEMBER" },
    ],
  },
];

const LAST_ERRORS: Record<"ERROR" | "EXPIRED", { message: string; code: string }[]> = {
  EXPIRED: [
    { message: "OAuth token expired", code: "TOKEN_EXPIRED" },
    { message: "Refresh token was revoked by the user", code: "TOKEN_REVOKED" },
  ],
  ERROR: [
    { message: "Invalid repository access", code: "ACCESS_DENIED" },
    { message: "Rate limit exceeded", code: "RATE_LIMIT" },
    { message: "Provider returned 503 Service Unavailable", code: "PROVIDER_UNAVAILABLE" },
  ],
};

function connectionMetadata(org: DemoOrg, user: DemoUser, provider: Provider, status: ConnectionStatus, i: number, now: number) {
  const base: Record<string, Prisma.InputJsonValue> = { projectId: "default" };
  switch (provider) {
    case "GITHUB":
      Object.assign(base, {
        accountName: `${user.key}-${org.slug}`,
        repositories: org.repos.slice(0, 2 + (i % (org.repos.length - 1))),
        permissions: ["read:user", "read:repo"],
        installationId: String(10_000 + i * 137),
      });
      break;
    case "NOTION":
      Object.assign(base, { accountName: `${org.name} workspace`, workspaceId: stableUuid(`${org.id}-notion`), permissions: ["read_content"] });
      break;
    case "JIRA":
      Object.assign(base, { accountName: `${org.slug}.atlassian.net`, projects: ["OPS", "ENG"].slice(0, 1 + (i % 2)), permissions: ["read:jira-work"] });
      break;
    case "SLACK":
      Object.assign(base, { accountName: `${org.slug}.slack.com`, channels: ["#general", "#eng", "#incidents"], permissions: ["channels:history", "users:read"] });
      break;
  }
  if (status === "ERROR" || status === "EXPIRED") {
    const choice = LAST_ERRORS[status][i % LAST_ERRORS[status].length];
    base.lastError = { ...choice, timestamp: new Date(now - (i + 1) * 3.5 * 3_600_000).toISOString() };
  }
  return base;
}

function syncErrors(rand: () => number, at: Date, repos: string[]): Prisma.InputJsonValue {
  const entries: Record<string, string | number>[] = [];
  if (rand() < 0.6) {
    entries.push({ message: "Rate limit exceeded", code: "RATE_LIMIT", timestamp: at.toISOString(), retryAfter: 300 });
  }
  if (entries.length === 0 || rand() < 0.5) {
    entries.push({
      message: "Invalid repository access",
      code: "ACCESS_DENIED",
      repository: repos[Math.floor(rand() * repos.length)] ?? "private-repo",
      timestamp: new Date(at.getTime() + 60_000).toISOString(),
    });
  }
  return entries;
}

export async function seed(now = Date.now()) {
  for (const org of DEMO_ORGS) {
    await prisma.organization.upsert({ where: { id: org.id }, update: {}, create: { id: org.id, name: org.name } });
    await prisma.project.createMany({
      data: [
        { id: `project_${org.slug}_default`, organizationId: org.id, key: "default", name: "Default" },
        ...(org.slug === "acme" ? [{ id: "project_acme_research", organizationId: org.id, key: "research", name: "Research" }] : []),
      ],
      skipDuplicates: true,
    });
    for (const [n, user] of org.users.entries()) {
      // Every demo person has signed in (they own connections): hours apart, so the People page shows a spread.
      const lastSignInAt = new Date(now - (n + 1) * 5 * 3_600_000);
      await prisma.user.upsert({
        where: { email: user.email },
        update: {},
        create: { id: `user_${user.key}`, email: user.email, name: user.name, role: user.role, organizationId: org.id, lastSignInAt },
      });
    }

    // Every provider in every status, owners taken in turn.
    const connections: Prisma.ConnectionCreateManyInput[] = [];
    let i = 0;
    for (const provider of PROVIDERS) {
      for (const status of STATUSES) {
        const owner = org.users[i % org.users.length];
        const createdAt = new Date(now - (70 - i * 2) * DAY);
        connections.push({
          id: `conn_${org.slug}_${provider.toLowerCase()}_${status.toLowerCase()}`,
          connectionId: stableUuid(`${org.id}/${provider}/${status}`),
          provider,
          status,
          userId: `user_${owner.key}`,
          organizationId: org.id,
          metadata: connectionMetadata(org, owner, provider, status, i, now),
          createdAt,
        });
        i++;
      }
    }
    await prisma.connection.createMany({ data: connections, skipDuplicates: true });

    // ~12 jobs per connection over the last 60 days; running jobs only in the last hour.
    const rand = random(org.id.length * 7919);
    const jobs: Prisma.SyncJobCreateManyInput[] = [];
    const lastSync = new Map<string, Date>();
    for (const connection of connections) {
      const count = connection.status === "INACTIVE" ? 4 : 12;
      for (let n = 0; n < count; n++) {
        const startedAt = new Date(now - rand() * 60 * DAY);
        const roll = rand();
        const status: SyncStatus =
          connection.status === "ERROR" && roll < 0.45 ? "FAILED" : roll < 0.8 ? "COMPLETED" : roll < 0.93 ? "FAILED" : "COMPLETED";
        const durationMs = 20_000 + Math.floor(rand() * 600_000);
        const processed = status === "COMPLETED" ? Math.floor(rand() * 400) : Math.floor(rand() * 40);
        jobs.push({
          id: `job_${connection.id}_${n}`,
          syncId: `sync_${startedAt.getTime()}_${connection.id}`,
          connectionId: connection.id!,
          status,
          recordsProcessed: processed,
          // Nango's own count; now and then more than reached the graph, as when a record was rejected.
          recordsReported: status === "COMPLETED" && n % 5 === 1 ? processed + 3 : status === "COMPLETED" ? processed : processed + 25,
          errors: status === "FAILED" ? syncErrors(rand, startedAt, org.repos) : undefined,
          startedAt,
          completedAt: new Date(startedAt.getTime() + durationMs),
        });
        if (status === "COMPLETED" && (lastSync.get(connection.id!)?.getTime() ?? 0) < startedAt.getTime() + durationMs) {
          lastSync.set(connection.id!, new Date(startedAt.getTime() + durationMs));
        }
      }
    }
    // Running syncs: one queued and one in progress on active connections.
    const active = connections.filter((c) => c.status === "ACTIVE");
    active.slice(0, 2).forEach((connection, n) => {
      const status: SyncStatus = n === 0 ? "IN_PROGRESS" : "PENDING";
      jobs.push({
        id: `job_${connection.id}_running`,
        syncId: `sync_running_${connection.id}`,
        connectionId: connection.id!,
        status,
        recordsProcessed: status === "IN_PROGRESS" ? 42 : 0,
        recordsReported: 120,
        startedAt: new Date(now - (n + 1) * 4 * 60_000),
      });
    });
    await prisma.syncJob.createMany({ data: jobs, skipDuplicates: true });

    // lastSyncAt only where it is still unset, so a second run changes nothing.
    for (const [id, at] of lastSync) {
      await prisma.connection.updateMany({ where: { id, lastSyncAt: null }, data: { lastSyncAt: at } });
    }
  }
}

// Run directly (npm run seed / npm start), not when imported by tests.
if (import.meta.url === `file://${process.argv[1]}`) {
  seed()
    .then(async () => {
      const [orgs, users, connections, jobs] = await Promise.all([
        prisma.organization.count(),
        prisma.user.count(),
        prisma.connection.count(),
        prisma.syncJob.count(),
      ]);
      console.log(`Demo data: ${orgs} organizations, ${users} users, ${connections} connections, ${jobs} sync jobs.`);
      await prisma.$disconnect();
    })
    .catch(async (err) => {
      console.error(err);
      await prisma.$disconnect();
      process.exit(1);
    });
}
