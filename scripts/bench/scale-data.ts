// The scale bench's dataset, generated with set-based SQL (one INSERT … SELECT generate_series per table):
//   100 organizations, 10,000 connections, 1,000,000 sync jobs (100 per connection over 90 days) and
//   200,000 webhook deliveries (over 30 days); "Big" (org_0) holds 3,000 connections and 300,000 jobs.
// Ids are readable (org_0, usr_0_0, con_17, …) so the bench can name its viewers and pages directly.
import type pg from "pg";

export const SCALE = { organizations: 100, connections: 10_000, bigConnections: 3_000, jobsPerConnection: 100, deliveries: 200_000 };

/** The viewers the bench measures as: Big's admin, a member of Big, and a small organization's admin. */
export const VIEWERS = {
  bigAdmin: { userId: "usr_0_0", email: "user0@org0.scale.test", label: "Big, admin" },
  bigMember: { userId: "usr_0_7", email: "user7@org0.scale.test", label: "Big, member" },
  smallAdmin: { userId: "usr_42_0", email: "user0@org42.scale.test", label: "small org, admin" },
} as const;

const MARKER = `scale v2: ${JSON.stringify(SCALE)}`;

/** True when the database already holds this exact dataset (generation takes a minute or two; reuse it). */
export async function hasScaleData(db: pg.Client): Promise<boolean> {
  await db.query(`CREATE TABLE IF NOT EXISTS bench_marker (marker text PRIMARY KEY)`);
  const { rows } = await db.query(`SELECT 1 FROM bench_marker WHERE marker = $1`, [MARKER]);
  return rows.length > 0;
}

export async function generateScaleData(db: pg.Client, log: (line: string) => void): Promise<void> {
  const step = async (what: string, sql: string) => {
    const start = performance.now();
    const result = await db.query(sql);
    log(`  ${what.padEnd(28)} ${String(result.rowCount ?? "").padStart(9)} rows  ${((performance.now() - start) / 1000).toFixed(1)} s`);
  };
  // Big is org_0 with connections 0..2,999; the other 7,000 go round-robin to org_1..org_99.
  const orgOf = `CASE WHEN c < ${SCALE.bigConnections} THEN 0 ELSE 1 + (c - ${SCALE.bigConnections}) % ${SCALE.organizations - 1} END`;
  // The activity deltas too: no foreign key ties them to an organization, and left over they would count on top of
  // the rollup written below.
  await db.query(`TRUNCATE "Organization", "WebhookDelivery", "SyncActivityDay", "SyncActivityDelta", bench_marker CASCADE`);
  await step(
    "organizations",
    `INSERT INTO "Organization" (id, name, "createdAt", "updatedAt")
     SELECT 'org_' || o, CASE WHEN o = 0 THEN 'Big' ELSE 'Org ' || o END, now() - interval '200 days', now()
     FROM generate_series(0, ${SCALE.organizations - 1}) o`,
  );
  await step(
    "users",
    `INSERT INTO "User" (id, email, name, role, "organizationId", "createdAt", "updatedAt")
     SELECT 'usr_' || o || '_' || u, 'user' || u || '@org' || o || '.scale.test', 'User ' || u || ' of org ' || o,
            (CASE WHEN u = 0 THEN 'ADMIN' ELSE 'MEMBER' END)::"Role", 'org_' || o, now() - interval '200 days', now()
     FROM generate_series(0, ${SCALE.organizations - 1}) o, generate_series(0, 49) u
     WHERE o = 0 OR u < 5`,
  );
  await step(
    "projects",
    `INSERT INTO "Project" (id, "organizationId", key, name, "createdAt", "updatedAt")
     SELECT 'prj_' || o, 'org_' || o, 'default', 'Default', now() - interval '200 days', now() FROM generate_series(0, ${SCALE.organizations - 1}) o`,
  );
  await step(
    "connections",
    `INSERT INTO "Connection" (id, provider, "connectionId", "userId", "organizationId", status, metadata, "lastSyncAt", "createdAt", "updatedAt")
     SELECT 'con_' || c, (ARRAY['GITHUB','NOTION','JIRA','SLACK','LINEAR'])[1 + c % 5]::"Provider", 'nango-' || c,
            'usr_' || org || '_' || (CASE WHEN org = 0 THEN c % 50 ELSE c % 5 END), 'org_' || org,
            (CASE WHEN c % 20 = 3 THEN 'ERROR' WHEN c % 20 = 7 THEN 'EXPIRED' WHEN c % 50 = 11 THEN 'INACTIVE' ELSE 'ACTIVE' END)::"ConnectionStatus",
            jsonb_build_object('accountName', 'account-' || c, 'projectId', 'default', 'integrationId', lower((ARRAY['GITHUB','NOTION','JIRA','SLACK','LINEAR'])[1 + c % 5]))
              || CASE WHEN c % 20 IN (3, 7) THEN jsonb_build_object('lastError', jsonb_build_object('message', 'The token was revoked', 'code', 'TOKEN_REVOKED', 'timestamp', now()::text)) ELSE '{}'::jsonb END,
            now() - ((c % 60) * interval '1 minute'), now() - interval '120 days', now()
     FROM (SELECT c, ${orgOf} AS org FROM generate_series(0, ${SCALE.connections - 1}) c) s`,
  );
  // Job j of a connection started j × 21.6 h ago (100 jobs over 90 days), offset per connection. The newest
  // job of one connection in 50 is still running; one job in 10 failed.
  // A bulk load: the per-row triggers (organization copy, daily rollup, error codes, progress time) are switched off for
  // this session and their results written set-based instead, as the migrations' backfills do.
  await db.query(`SET session_replication_role = replica`);
  await step(
    "sync jobs",
    `INSERT INTO "SyncJob" (id, "syncId", "connectionId", "organizationId", status, "recordsProcessed", errors, "startedAt", "completedAt", "recordsReported", model, attempts, "progressAt")
     SELECT 'job_' || c || '_' || j, 'sync_' || c || '_' || j, 'con_' || c, 'org_' || (${orgOf}), st::"SyncStatus",
            CASE WHEN st = 'COMPLETED' THEN 20 + (c + j) % 180 WHEN st = 'IN_PROGRESS' THEN 42 ELSE 0 END,
            CASE WHEN st = 'FAILED' THEN jsonb_build_array(jsonb_build_object('message', 'Provider rate limit', 'code', 'RATE_LIMIT', 'timestamp', t::text, 'retryAfter', 60)) END,
            t, CASE WHEN st IN ('COMPLETED', 'FAILED') THEN t + interval '2 minutes' END,
            CASE WHEN st = 'COMPLETED' THEN 20 + (c + j) % 180 END, 'Record', 1, t
     FROM (
       SELECT c, j, now() - (j * interval '21.6 hours') - ((c % 97) * interval '13 minutes') AS t,
              CASE WHEN j = 0 AND c % 50 = 0 THEN 'IN_PROGRESS' WHEN j = 0 AND c % 50 = 1 THEN 'PENDING'
                   WHEN (c * 7 + j) % 10 = 0 THEN 'FAILED' ELSE 'COMPLETED' END AS st
       FROM generate_series(0, ${SCALE.connections - 1}) c, generate_series(0, ${SCALE.jobsPerConnection - 1}) j
     ) s`,
  );
  await db.query(`SET session_replication_role = DEFAULT`);
  await step(
    "daily activity rollup",
    `INSERT INTO "SyncActivityDay" ("organizationId", day, "userId", provider, status, jobs, records)
     SELECT c."organizationId", (j."startedAt" AT TIME ZONE 'UTC')::date, c."userId", c.provider, j.status, count(*)::int, sum(j."recordsProcessed")::int
     FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId" GROUP BY 1, 2, 3, 4, 5`,
  );
  await step(
    "error codes seen",
    `INSERT INTO "SyncErrorCode" ("organizationId", code, "lastSeenAt")
     SELECT j."organizationId", e->>'code', max(j."startedAt")
     FROM "SyncJob" j, jsonb_array_elements(CASE WHEN jsonb_typeof(j.errors) = 'array' THEN j.errors ELSE '[]'::jsonb END) e
     WHERE j.status = 'FAILED' AND jsonb_typeof(e->'code') = 'string' GROUP BY 1, 2`,
  );
  await step(
    "connections' last sync",
    `UPDATE "Connection" SET "lastSyncAt" = now() - ((substring(id from 5)::int % 97) * interval '13 minutes')`,
  );
  // Deliveries round-robin over connections; 2% are rejected forgeries tied to no organization.
  await step(
    "webhook deliveries",
    `INSERT INTO "WebhookDelivery" (id, "receivedAt", type, "connectionId", "organizationId", outcome, reason, "bodyHash", payload)
     SELECT 'whd_' || d, now() - (d * interval '30 days' / ${SCALE.deliveries}),
            CASE WHEN d % 50 = 0 THEN NULL WHEN d % 10 = 1 THEN 'auth' ELSE 'sync' END,
            CASE WHEN d % 50 = 0 THEN NULL ELSE 'nango-' || c END,
            CASE WHEN d % 50 = 0 THEN NULL ELSE 'org_' || org END,
            (CASE WHEN d % 50 = 0 THEN 'REJECTED' WHEN d % 20 = 3 THEN 'DUPLICATE' WHEN d % 33 = 5 THEN 'IGNORED' ELSE 'APPLIED' END)::"WebhookOutcome",
            CASE WHEN d % 50 = 0 THEN 'invalid signature' WHEN d % 20 = 3 THEN 'redelivery' END,
            md5(d::text),
            CASE WHEN d % 50 = 0 THEN NULL ELSE jsonb_build_object('type', 'sync', 'connectionId', 'nango-' || c, 'syncName', 'issues', 'model', 'Record', 'success', true) END
     FROM (SELECT d, c, ${orgOf} AS org FROM (SELECT d, d % ${SCALE.connections} AS c FROM generate_series(0, ${SCALE.deliveries - 1}) d) x) s`,
  );
  // Vacuumed as autovacuum would have it in a running system: visibility maps let counts be index-only.
  await step("vacuum analyze", `VACUUM ANALYZE`);
  await db.query(`INSERT INTO bench_marker (marker) VALUES ($1)`, [MARKER]);
}
