// What an admin does about stuck and failed syncs: a stalled job shows on the overview and under sync
// history's "stalled" filter, and is cancelled; every failed job matching the filters is retried at once.
import { expect, test } from "@playwright/test";
import { DEMO, expectAccessible, screenshots, signIn, sql } from "./helpers";

const ADMIN = DEMO.acmeAdmin;
// playwright.config.ts gives the app (and these specs) the stalled threshold.
const STALLED_AFTER_MINUTES = Number(process.env.ATLAS_STALLED_AFTER_MINUTES);

test.describe.configure({ mode: "serial" });

async function stalledCount() {
  const [row] = await sql<{ n: number }>(
    `SELECT count(*)::int n FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId"
     WHERE c."organizationId" = $1 AND j.status IN ('PENDING', 'IN_PROGRESS') AND j."progressAt" < now() - make_interval(mins => $2)`,
    [ADMIN.orgId, STALLED_AFTER_MINUTES],
  );
  return row.n;
}

async function job(id: string) {
  const [row] = await sql<{ status: string; errors: { code: string; message: string }[] | null; completedAt: Date | null }>(
    `SELECT status::text, errors, "completedAt" FROM "SyncJob" WHERE id = $1`,
    [id],
  );
  return row;
}

test("a stalled sync shows on the overview and under the stalled filter, and an admin cancels it", async ({ page }) => {
  expect(STALLED_AFTER_MINUTES).toBeGreaterThan(0);
  // An active connection with nothing running, so its row is this job's alone.
  const [connection] = await sql<{ id: string }>(
    `SELECT c.id FROM "Connection" c WHERE c."organizationId" = $1 AND c.status = 'ACTIVE'
       AND NOT EXISTS (SELECT 1 FROM "SyncJob" j WHERE j."connectionId" = c.id AND j.status IN ('PENDING', 'IN_PROGRESS'))
     ORDER BY c.id LIMIT 1`,
    [ADMIN.orgId],
  );
  const id = `job_e2e_stalled_${Date.now()}`;
  // In progress, its last progress just past the threshold (the trigger keeps an inserted progressAt).
  await sql(
    `INSERT INTO "SyncJob" (id, "syncId", "connectionId", status, "recordsProcessed", "recordsReported", "startedAt", "progressAt")
     VALUES ($1, $1, $2, 'IN_PROGRESS', 17, 90, now() - make_interval(mins => $3 + 20), now() - make_interval(mins => $3 + 2))`,
    [id, connection.id, STALLED_AFTER_MINUTES],
  );
  const stalled = await stalledCount();
  expect(stalled).toBeGreaterThan(0);

  await signIn(page, ADMIN.email);
  await expect(page.getByTestId("stalled-count")).toHaveText(`${stalled} stalled sync${stalled === 1 ? "" : "s"} (no progress for ${STALLED_AFTER_MINUTES}+ minutes)`);
  await page.getByTestId("stalled-count").getByRole("link").click();
  await expect(page).toHaveURL(/\/syncs\?status=STALLED$/);
  await expect(page.getByLabel("Status")).toHaveValue("STALLED");
  const rows = page.getByTestId("sync-row");
  await expect(rows).toHaveCount(stalled);
  for (const row of await rows.all()) await expect(row.getByText("Stalled", { exact: true })).toBeVisible();
  const row = rows.filter({ has: page.locator(`a[href="/connections/${connection.id}"]`) });
  await expect(row).toHaveCount(1);
  await expect(row.getByText("In progress", { exact: true })).toBeVisible();
  await expect(row.getByTestId("sync-records")).toHaveText("17 / 90");
  await expectAccessible(page);
  await screenshots(page, "sync-stalled");

  // The app asks first, in its confirmation dialog.
  await row.getByRole("button", { name: /^cancel$/i }).click();
  await page.getByRole("dialog").getByRole("button", { name: /cancel sync/i }).click();

  await expect.poll(async () => (await job(id)).status).toBe("FAILED");
  const cancelled = await job(id);
  expect(cancelled.completedAt).not.toBeNull();
  expect(cancelled.errors?.map((e) => e.code)).toEqual(["CANCELLED"]);
  const audit = await sql<{ actorId: string }>(`SELECT "actorId" FROM "AuditEvent" WHERE action = 'sync.cancelled' AND "targetId" = $1`, [id]);
  expect(audit).toEqual([{ actorId: (await sql<{ id: string }>(`SELECT id FROM "User" WHERE email = $1`, [ADMIN.email]))[0].id }]);

  // The stalled list no longer has it, and the page says it was cancelled.
  await expect(page.getByRole("status").filter({ hasText: /cancelled/i })).toBeVisible();
  await expect(rows).toHaveCount(await stalledCount());
  await page.goto(`/syncs?connection=${connection.id}&code=CANCELLED`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first().getByText("Failed", { exact: true })).toBeVisible();
  await expect(rows.first().getByTestId("sync-errors")).toContainText(`CANCELLED ${cancelled.errors![0].message}`);
  await expect(rows.first().getByRole("button", { name: /^cancel/i })).toHaveCount(0);
  await page.goto("/");
  const left = await stalledCount();
  await expect(page.getByTestId("stalled-count")).toHaveText(left === 0 ? "No stalled syncs" : `${left} stalled sync${left === 1 ? "" : "s"} (no progress for ${STALLED_AFTER_MINUTES}+ minutes)`);
});

test("retrying every failed job that matches the filters retries exactly those", async ({ page }) => {
  // The demo's failed jobs failed in Nango (nothing to resume from): give some of them a saved cursor, in the
  // filtered provider and outside it (another provider, another organization), so the filter decides.
  const [{ provider }] = await sql<{ provider: string }>(
    `SELECT c.provider::text FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId"
     WHERE c."organizationId" = $1 AND j.status = 'FAILED' GROUP BY c.provider ORDER BY count(*) DESC, c.provider LIMIT 1`,
    [ADMIN.orgId],
  );
  const failed = (extra: string, values: unknown[] = [], limit = 1000) =>
    sql<{ id: string; organizationId: string; provider: string; resumable: boolean; attempts: number }>(
      `SELECT j.id, c."organizationId", c.provider::text, (j.cursor IS NOT NULL OR j."modifiedAfter" IS NOT NULL) AS resumable, j.attempts
       FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId" WHERE j.status = 'FAILED' ${extra} ORDER BY j.id LIMIT ${limit}`,
      values,
    );
  const inFilter = await failed(`AND c."organizationId" = $1 AND c.provider = $2::"Provider"`, [ADMIN.orgId, provider]);
  expect(inFilter.length).toBeGreaterThan(2);
  const outside = [
    ...(await failed(`AND c."organizationId" = $1 AND c.provider <> $2::"Provider"`, [ADMIN.orgId, provider], 2)),
    ...(await failed(`AND c."organizationId" <> $1 AND c.provider = $2::"Provider"`, [ADMIN.orgId, provider], 2)),
  ];
  expect(outside).toHaveLength(4);
  const resumed = [...inFilter.filter((_, i) => i % 2 === 0).map((j) => j.id), ...outside.map((j) => j.id)];
  await sql(`UPDATE "SyncJob" SET cursor = 'e2e-cursor-' || id, attempts = 3 WHERE id = ANY($1)`, [resumed]);

  const matching = await failed(`AND c."organizationId" = $1 AND c.provider = $2::"Provider"`, [ADMIN.orgId, provider]);
  const expected = matching.filter((j) => j.resumable).map((j) => j.id).sort();
  const notResumable = matching.filter((j) => !j.resumable).length;
  expect(expected.length).toBeGreaterThan(0);
  expect(notResumable).toBeGreaterThan(0);
  const since = (await sql<{ at: Date }>(`SELECT now() AS at`))[0].at;

  await signIn(page, ADMIN.email);
  await page.goto("/syncs");
  await page.getByLabel("Status").selectOption("FAILED");
  await page.getByLabel("Provider").selectOption(provider);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`status=FAILED.*provider=${provider}|provider=${provider}.*status=FAILED`));
  await expect(page.getByTestId("sync-row")).toHaveCount(Math.min(20, matching.length));

  await page.getByRole("button", { name: /retry (all|every) failed job/i }).click();
  await page.getByRole("dialog").getByRole("button", { name: /retry/i }).click();
  const s = (n: number) => (n === 1 ? "" : "s");
  await expect(page.getByRole("status").filter({ hasText: "back on the queue" })).toContainText(
    `${expected.length} failed job${s(expected.length)} back on the queue; ${notResumable} failed in Nango before any records reached Atlas (use Sync now on their connections).`,
  );

  // Exactly the matching resumable jobs were retried: back to PENDING with fresh attempts, one audit entry each.
  const retried = await sql<{ targetId: string }>(`SELECT "targetId" FROM "AuditEvent" WHERE action = 'sync.retried' AND at >= $1 ORDER BY "targetId"`, [since]);
  expect(retried.map((r) => r.targetId)).toEqual(expected);
  const after = await sql<{ id: string; status: string; attempts: number }>(`SELECT id, status::text, attempts FROM "SyncJob" WHERE id = ANY($1) ORDER BY id`, [
    [...matching.map((j) => j.id), ...outside.map((j) => j.id)],
  ]);
  for (const j of after) {
    if (expected.includes(j.id)) expect(j.status === "FAILED" && j.attempts === 3, `${j.id} was retried`).toBe(false);
    else expect([j.id, j.status, j.attempts]).toEqual([j.id, "FAILED", resumed.includes(j.id) ? 3 : matching.concat(outside).find((m) => m.id === j.id)!.attempts]);
  }
  const [bulk] = await sql<{ details: { retried: number; notResumable: number; filters: Record<string, string> } }>(
    `SELECT details FROM "AuditEvent" WHERE action = 'sync.bulk_retried' AND at >= $1`,
    [since],
  );
  expect(bulk.details).toMatchObject({ retried: expected.length, notResumable, filters: { status: "FAILED", provider } });
});
