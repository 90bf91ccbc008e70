// `npm run bench`: the performance claims of the README, measured. Runs on a database of its own
// (`<db>_bench`, recreated each run) with the Nango and Zep sandboxes in this process.
//   1. The connections page at 10,000 connections: first page, a page 200 deep, filtered, searched.
//   2. Ingestion (scripts/bench/ingestion.ts): 10,000 and 100,000 records into one graph, and 4 graphs in
//      parallel with 2 workers: records/s, ledger statements per page, peak live heap.
import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db/client";
import { countQueries } from "@/lib/db/query-counter";
import { listConnections, parseConnectionFilters } from "@/lib/dashboard/connections";
import { createOrg, createUser } from "@/lib/test/factory";
import { ingestionBench } from "./bench/ingestion";

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function timed<T>(fn: () => Promise<T>, runs = 15): Promise<{ median: number; p95: number; statements: number; result: T }> {
  const times: number[] = [];
  let result!: T;
  let statements = 0;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const counted = await countQueries(fn);
    times.push(performance.now() - start);
    result = counted.result;
    statements = counted.queries;
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)]!, p95: times[Math.floor(runs * 0.95)]!, statements, result };
}

async function connectionsAt10k() {
  const org = await createOrg("Bench");
  const admin = await createUser(org.id, { role: "ADMIN", name: "Bench Admin" });
  const people = [admin, ...(await Promise.all(Array.from({ length: 49 }, (_, i) => createUser(org.id, { name: `Person ${i}` }))))];
  const providers = ["GITHUB", "NOTION", "JIRA", "SLACK", "LINEAR"] as const;
  const statuses = ["ACTIVE", "ACTIVE", "ACTIVE", "ERROR", "EXPIRED", "INACTIVE"] as const;
  const rows = Array.from({ length: 10_000 }, (_, i) => ({
    connectionId: randomUUID(),
    provider: providers[i % providers.length]!,
    status: statuses[i % statuses.length]!,
    userId: people[i % people.length]!.id,
    organizationId: org.id,
    metadata: { accountName: `account-${i}`, projectId: "default" },
    lastSyncAt: i % 7 === 0 ? null : new Date(Date.UTC(2026, 9, 1) + i * 60_000),
  }));
  for (let i = 0; i < rows.length; i += 2_000) await prisma.connection.createMany({ data: rows.slice(i, i + 2_000) });
  await prisma.$executeRawUnsafe(`ANALYZE "Connection"`);
  const scope = { organizationId: org.id, userId: admin.id, role: "ADMIN" as const };

  // A cursor 200 pages (5,000 rows) deep, reached by following the pages.
  let cursor: string | undefined;
  for (let page = 0; page < 200; page++) {
    cursor = (await listConnections(scope, parseConnectionFilters({ cursor }))).nextCursor ?? undefined;
  }
  const cases: [string, Record<string, string | undefined>][] = [
    ["first page, by last sync", {}],
    ["page 201 (rows 5,001-5,025)", { cursor }],
    ["first page, by creation", { sort: "created" }],
    ["provider = JIRA, status = ERROR", { provider: "JIRA", status: "ERROR" }],
    ["search 'account-99'", { q: "account-99" }],
  ];
  console.log(`\nConnections page, ${rows.length.toLocaleString("en-US")} connections in one organization (15 runs each)`);
  for (const [name, params] of cases) {
    const r = await timed(() => listConnections(scope, parseConnectionFilters(params)));
    console.log(`  ${name.padEnd(34)} median ${ms(r.median).padStart(9)}  p95 ${ms(r.p95).padStart(9)}  ${r.statements} SQL statement(s), ${r.result.rows.length} rows`);
  }
}

async function main() {
  await connectionsAt10k();
  await ingestionBench();
  await prisma.$disconnect();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
