// CSV exports: "Download CSV" on the Sync history and Connections pages downloads the filtered list, every page
// of it, exactly the rows the database holds for that filter and viewer; signed out, the link leads to sign-in.
// A connection's page says who connected it and who changed it last.
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { parse } from "csv-parse/sync";
import { DEMO, screenshots, signIn, sql } from "./helpers";

/** The shared desktop and phone screenshots, and one at 1440 px (a wide admin screen). */
async function shots(page: Page, name: string) {
  await screenshots(page, name);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: `e2e/screenshots/${name}-1440.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function download(page: Page) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-csv").click()]);
  const rows: string[][] = parse(readFileSync((await file.path())!, "utf8"), { bom: true });
  return { name: file.suggestedFilename(), header: rows[0], rows: rows.slice(1) };
}

test("an admin filters the sync history to failed jobs and downloads exactly those, newest first", async ({ page }) => {
  const admin = DEMO.acmeAdmin;
  await signIn(page, admin.email);
  await page.goto("/syncs");
  await page.getByLabel("Status").selectOption("FAILED");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/status=FAILED/);
  await expect(page.getByTestId("download-csv")).toHaveAttribute("href", "/syncs/export?status=FAILED");
  await shots(page, "syncs-export");

  const csv = await download(page);
  expect(csv.name).toMatch(/^atlas-sync-history-\d{4}-\d{2}-\d{2}-status-FAILED\.csv$/);
  expect(csv.header.slice(0, 3)).toEqual(["Job ID", "Sync ID", "Connection ID"]);
  const expected = await sql<{ id: string; email: string; codes: string }>(
    `SELECT j.id, u.email, COALESCE((SELECT string_agg(e->>'code', '; ') FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j.errors) = 'array' THEN j.errors ELSE '[]' END) e), '') AS codes
     FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId" JOIN "User" u ON u.id = c."userId"
     WHERE c."organizationId" = $1 AND j.status = 'FAILED' ORDER BY j."startedAt" DESC, j.id DESC`,
    [admin.orgId],
  );
  expect(expected.length).toBeGreaterThan(20); // more than one page of the history: the export is all of them
  expect(csv.rows.map((r) => r[0])).toEqual(expected.map((e) => e.id));
  const owner = csv.header.indexOf("Owner email");
  const status = csv.header.indexOf("Status");
  const codes = csv.header.indexOf("Error codes");
  expect(csv.rows.map((r) => [r[owner], r[status], r[codes]])).toEqual(expected.map((e) => [e.email, "FAILED", e.codes]));
});

test("a member's connections export holds their own connections only, in the page's order", async ({ page }) => {
  const member = DEMO.acmeMember;
  await signIn(page, member.email);
  await page.goto("/connections");
  await page.getByLabel("Sort by").selectOption("created");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/sort=created/);
  await shots(page, "connections-export");

  const csv = await download(page);
  const expected = await sql<{ id: string }>(
    `SELECT c.id FROM "Connection" c JOIN "User" u ON u.id = c."userId" WHERE c."organizationId" = $1 AND u.email = $2 ORDER BY c."createdAt" DESC, c.id DESC`,
    [member.orgId, member.email],
  );
  expect(expected.length).toBeGreaterThan(0);
  expect(csv.rows.map((r) => r[0])).toEqual(expected.map((e) => e.id));
  expect(new Set(csv.rows.map((r) => r[csv.header.indexOf("Owner email")]))).toEqual(new Set([member.email]));
  // What the page lists is what the file holds (one page here: a member has a few).
  const linked = await page.getByTestId("connection-row").locator('a[href^="/connections/"]').evaluateAll((links) => links.map((a) => a.getAttribute("href")!.split("/").pop()));
  expect(csv.rows.map((r) => r[0])).toEqual(linked);
});

test("signed out, the export link leads to sign-in and gives no data", async ({ request }) => {
  for (const path of ["/syncs/export?status=FAILED", "/connections/export"]) {
    const res = await request.get(path, { maxRedirects: 0 });
    expect(res.status(), path).toBe(303);
    expect(res.headers()["location"]).toBe("/signin");
    expect(await res.text()).toBe("");
  }
});

test("a connection's page says who connected it and who changed it last", async ({ page }) => {
  // Globex: the Acme counts of the other specs stay as seeded. The connection is removed at the end.
  await signIn(page, DEMO.globexMember.email);
  await page.goto("/connections");
  await page.getByRole("button", { name: "Connect Linear" }).click();
  await page.frameLocator("iframe").getByRole("button", { name: /^Authorize / }).click();
  await expect(page.getByTestId("connect-status")).toHaveAttribute("data-phase", "done");
  await page.getByRole("link", { name: "View connection" }).click();
  await page.waitForURL(/\/connections\/[A-Za-z0-9_-]+$/);
  const id = page.url().split("/connections/")[1];
  try {
    await expect(page.getByTestId("connection-provenance")).toHaveText(`Connected by ${DEMO.globexMember.name} · last changed by ${DEMO.globexMember.name}`);

    await signIn(page, DEMO.globexAdmin.email);
    await page.goto(`/connections/${id}`);
    await page.getByRole("button", { name: "Pause syncs" }).click();
    await expect(page.getByTestId("paused-badge")).toBeVisible();
    await expect(page.getByTestId("connection-provenance")).toHaveText(`Connected by ${DEMO.globexMember.name} · last changed by ${DEMO.globexAdmin.name}`);
    const [row] = await sql<{ createdBy: string; modifiedBy: string }>(
      `SELECT (SELECT email FROM "User" WHERE id = c."createdBy") AS "createdBy", (SELECT email FROM "User" WHERE id = c."modifiedBy") AS "modifiedBy" FROM "Connection" c WHERE c.id = $1`,
      [id],
    );
    expect(row).toEqual({ createdBy: DEMO.globexMember.email, modifiedBy: DEMO.globexAdmin.email });
    await shots(page, "connection-provenance");
  } finally {
    await page.goto(`/connections/${id}`);
    await page.getByRole("button", { name: "Disconnect…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Disconnect", exact: true }).click();
    await page.waitForURL("**/connections");
  }
});
