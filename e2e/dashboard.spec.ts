import { expect, test } from "@playwright/test";
import { DEMO, expectAccessible, screenshots, signIn, sql } from "./helpers";

type Person = (typeof DEMO)[keyof typeof DEMO];

async function visibleConnectionCount(person: Person, extra = "", values: unknown[] = []) {
  const isAdmin = person === DEMO.acmeAdmin || person === DEMO.globexAdmin;
  const rows = await sql<{ n: number }>(
    `SELECT count(*)::int AS n FROM "Connection" c JOIN "User" u ON u.id = c."userId"
     WHERE c."organizationId" = $1 ${isAdmin ? "" : `AND u.email = $2`} ${extra}`,
    isAdmin ? [person.orgId, ...values] : [person.orgId, person.email, ...values],
  );
  return rows[0].n;
}

for (const [key, person] of Object.entries(DEMO)) {
  const isAdmin = key.endsWith("Admin");
  test(`${person.name} (${isAdmin ? "admin" : "member"} of ${person.org}) sees exactly their rows`, async ({ page }) => {
    await signIn(page, person.email);
    await expect(page.getByTestId("viewer-org")).toContainText(person.org);
    await expect(page.getByTestId("status-matrix")).toBeVisible();

    await page.goto("/connections");
    const rows = page.getByTestId("connection-row");
    await expect(rows).toHaveCount(await visibleConnectionCount(person));
    const owners = await page.getByTestId("owner").allInnerTexts();
    const orgUsers = await sql<{ name: string }>(`SELECT name FROM "User" WHERE "organizationId" = $1`, [person.orgId]);
    for (const owner of owners) {
      if (isAdmin) expect(orgUsers.some((u) => owner.startsWith(u.name))).toBe(true);
      else expect(owner.startsWith(person.name)).toBe(true);
    }

    await page.goto("/users");
    if (isAdmin) {
      await expect(page.getByTestId("user-row")).toHaveCount(orgUsers.length);
    } else {
      await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    }
  });
}

test("filters, search and sort change the rows as expected", async ({ page }) => {
  const admin = DEMO.acmeAdmin;
  await signIn(page, admin.email);

  await page.goto("/connections?status=EXPIRED");
  await expect(page.getByTestId("connection-row")).toHaveCount(await visibleConnectionCount(admin, `AND c.status = 'EXPIRED'`));
  for (const badge of await page.getByTestId("connection-row").locator("td:nth-child(3)").allInnerTexts()) expect(badge).toBe("Expired");

  await page.goto("/connections");
  await page.getByLabel("Provider").selectOption("SLACK");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/provider=SLACK/);
  await expect(page.getByTestId("connection-row")).toHaveCount(await visibleConnectionCount(admin, `AND c.provider = 'SLACK'`));

  await page.goto("/connections");
  await page.getByLabel("Search").fill("ben@acme");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByTestId("connection-row")).toHaveCount(await visibleConnectionCount(admin, `AND u.email = 'ben@acme.test'`));
  for (const owner of await page.getByTestId("owner").allInnerTexts()) expect(owner).toContain("ben@acme.test");

  await page.goto("/connections?sort=created");
  const newest = await sql<{ id: string }>(
    `SELECT id FROM "Connection" WHERE "organizationId" = $1 ORDER BY "createdAt" DESC, id DESC LIMIT 1`,
    [admin.orgId],
  );
  await expect(page.getByTestId("connection-row").first().locator("a")).toHaveAttribute("href", `/connections/${newest[0].id}`);
});

test("sync history paginates and filters by status", async ({ page }) => {
  await signIn(page, DEMO.acmeAdmin.email);
  await page.goto("/syncs");
  const firstPage = await page.getByTestId("sync-row").allInnerTexts();
  expect(firstPage).toHaveLength(20);
  await page.getByTestId("next-page").click();
  await expect(page).toHaveURL(/cursor=/);
  // The address changes before the next page's rows are rendered: wait for them (once, CI read none).
  await expect
    .poll(async () => {
      const rows = await page.getByTestId("sync-row").allInnerTexts();
      return rows.length > 0 && JSON.stringify(rows) !== JSON.stringify(firstPage);
    })
    .toBe(true);

  await page.goto("/syncs?status=FAILED");
  const failed = page.getByTestId("sync-row");
  await expect(failed.first()).toBeVisible();
  for (const text of await failed.locator("td:first-child").allInnerTexts()) expect(text).toBe("Failed");
  await expect(page.getByTestId("sync-errors").first()).toContainText(/RATE_LIMIT|ACCESS_DENIED/);
});

test("another organization's connection answers 404", async ({ page }) => {
  const [foreign] = await sql<{ id: string }>(`SELECT id FROM "Connection" WHERE "organizationId" = 'org_globex' LIMIT 1`);
  const [own] = await sql<{ id: string }>(`SELECT id FROM "Connection" WHERE "organizationId" = 'org_acme' LIMIT 1`);
  await signIn(page, DEMO.acmeAdmin.email);
  const ok = await page.goto(`/connections/${own.id}`);
  expect(ok?.status()).toBe(200);
  const missing = await page.goto(`/connections/${foreign.id}`);
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});

test("a member cannot open another member's connection", async ({ page }) => {
  const [others] = await sql<{ id: string }>(
    `SELECT c.id FROM "Connection" c JOIN "User" u ON u.id = c."userId" WHERE c."organizationId" = 'org_acme' AND u.email <> $1 LIMIT 1`,
    [DEMO.acmeMember.email],
  );
  await signIn(page, DEMO.acmeMember.email);
  const res = await page.goto(`/connections/${others.id}`);
  expect(res?.status()).toBe(404);
});

test("every page is accessible and has desktop and phone screenshots", async ({ page }) => {
  await page.goto("/signin");
  await expectAccessible(page);
  await screenshots(page, "signin");

  await signIn(page, DEMO.acmeAdmin.email);
  const [errored] = await sql<{ id: string }>(
    `SELECT id FROM "Connection" WHERE "organizationId" = 'org_acme' AND status = 'ERROR' AND provider = 'GITHUB' LIMIT 1`,
  );
  const pages: [string, string][] = [
    ["overview", "/"],
    ["connections", "/connections"],
    ["connection-detail", `/connections/${errored.id}`],
    ["syncs", "/syncs"],
    ["users", "/users"],
  ];
  for (const [name, path] of pages) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
    await expectAccessible(page);
    await screenshots(page, name);
  }
});

test("running syncs update live and polling stops when nothing runs", async ({ page }) => {
  await signIn(page, DEMO.acmeAdmin.email);
  const running = await sql<{ id: string; recordsProcessed: number; recordsReported: number; status: string }>(
    `SELECT j.id, j."recordsProcessed", j."recordsReported", j.status::text FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId"
     WHERE c."organizationId" = 'org_acme' AND j.status IN ('PENDING','IN_PROGRESS')`,
  );
  expect(running.length).toBeGreaterThan(0);
  await page.goto("/");
  await expect(page.getByTestId("running-records")).toHaveCount(running.length);

  try {
    // Progress as the worker writes it: records in the graph out of what Nango reported.
    const written = running[0].recordsReported - 7;
    await sql(`UPDATE "SyncJob" SET "recordsProcessed" = $2 WHERE id = $1`, [running[0].id, written]);
    await expect(page.getByTestId("running-syncs")).toContainText(`${written} of ${running[0].recordsReported} records in the graph so far`);

    await sql(`UPDATE "SyncJob" SET status = 'COMPLETED', "completedAt" = now() WHERE id = ANY($1)`, [running.map((r) => r.id)]);
    await expect(page.getByText("No sync is running.")).toBeVisible();
    // Polling has stopped: no request to the running-syncs route over the next 5 seconds.
    let polled = 0;
    page.on("request", (r) => {
      if (r.url().includes("/api/syncs/running")) polled++;
    });
    await page.waitForTimeout(5000);
    expect(polled).toBe(0);
  } finally {
    for (const r of running) {
      await sql(`UPDATE "SyncJob" SET status = $2::"SyncStatus", "recordsProcessed" = $3, "completedAt" = NULL WHERE id = $1`, [r.id, r.status, r.recordsProcessed]);
    }
  }
});
