// From a click to the knowledge graph: connect an account, simulate a sync in the Nango sandbox, watch the
// job run through the in-process worker, and find a synced record's content on the Knowledge page.
import { expect, test } from "@playwright/test";
import { expectAccessible, screenshots, signIn, sql } from "./helpers";

const HIRO = { email: "hiro@globex.test", id: "user_hiro" };

/** The records Nango holds for a connection, read through Nango's own records API (as the worker does). */
async function nangoRecords(connectionId: string, model: string) {
  const res = await fetch(`${process.env.NANGO_HOST}/records?model=${model}`, {
    headers: { Authorization: `Bearer ${process.env.NANGO_SECRET_KEY}`, "Connection-Id": connectionId, "Provider-Config-Key": "github" },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { records: { id: string; title: string; html_url?: string; _nango_metadata: { last_action: string } }[] }).records;
}

test("connect, simulate a sync, watch it land in the graph and find it on the Knowledge page", async ({ page }) => {
  await signIn(page, HIRO.email);
  await page.goto("/connections");
  await page.getByRole("button", { name: "Connect GitHub" }).click();
  await page.frameLocator("iframe").getByRole("button", { name: /^Authorize / }).click();
  await expect(page.getByTestId("connect-status")).toHaveAttribute("data-phase", "done");
  await page.getByRole("link", { name: "View connection" }).click();
  await expect(page.getByTestId("connection-actions")).toBeVisible();
  const connectionRowId = page.url().split("/connections/")[1];
  const [connection] = await sql<{ connectionId: string }>(`SELECT "connectionId" FROM "Connection" WHERE id = $1`, [connectionRowId]);

  await page.getByRole("button", { name: /Simulate sync/ }).click();
  await expect(page.getByTestId("action-result")).toContainText("The sandbox ran a sync");

  // The webhook created a job; the worker takes it PENDING → IN_PROGRESS → COMPLETED and the page follows.
  const job = async () =>
    (
      await sql<{ status: string; recordsProcessed: number; recordsReported: number | null; completedAt: Date | null }>(
        `SELECT status::text, "recordsProcessed", "recordsReported", "completedAt" FROM "SyncJob" WHERE "connectionId" = $1`,
        [connectionRowId],
      )
    )[0];
  await expect.poll(async () => (await job())?.status, { timeout: 30_000 }).toBe("COMPLETED");
  const done = await job();
  expect(done.recordsReported).toBeGreaterThan(0);
  expect(done.recordsProcessed).toBe(done.recordsReported);
  expect(done.completedAt).not.toBeNull();
  const row = page.getByTestId("sync-row").first();
  await expect(row).toContainText("Completed");
  await expect(row.getByTestId("sync-records")).toContainText(`${done.recordsProcessed} / ${done.recordsReported}`);
  await screenshots(page, "connection-synced");

  // A record Nango synced, found by its title in the graph of the project the connection feeds.
  const records = (await nangoRecords(connection.connectionId, "Issue")).filter((r) => r._nango_metadata.last_action !== "DELETED");
  expect(records.length).toBeGreaterThan(0);
  const record = records[0];
  await page.goto("/knowledge");
  await page.getByRole("searchbox", { name: "Search" }).fill(record.title);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  const hit = page.getByTestId("knowledge-result").filter({ hasText: record.title }).first();
  await expect(hit).toBeVisible();
  await expect(hit).toContainText("GitHub");
  if (record.html_url) await expect(hit.getByRole("link", { name: /source record/ })).toHaveAttribute("href", record.html_url);
  await screenshots(page, "knowledge");
  await expectAccessible(page);
});

test("another organization's people never find it; admins manage projects", async ({ page }) => {
  const [connection] = await sql<{ connectionId: string }>(
    `SELECT "connectionId" FROM "Connection" WHERE "userId" = $1 AND provider = 'GITHUB' ORDER BY "createdAt" DESC LIMIT 1`,
    [HIRO.id],
  );
  const [record] = (await nangoRecords(connection.connectionId, "Issue")).filter((r) => r._nango_metadata.last_action !== "DELETED");
  const search = `/knowledge?project=default&q=${encodeURIComponent(record.title)}`;
  // Control: Hiro finds it...
  await signIn(page, HIRO.email);
  await page.goto(search);
  await expect(page.getByTestId("knowledge-result").filter({ hasText: record.title }).first()).toBeVisible();
  // ...Ada, admin of Acme, searching her own default project for the same words, does not.
  await signIn(page, "ada@acme.test");
  await page.goto(search);
  await expect(page.getByRole("heading", { name: "Knowledge" })).toBeVisible();
  await expect(page.getByText(`Nothing found for “${record.title}”`)).toBeVisible();
  await expect(page.getByTestId("knowledge-result")).toHaveCount(0);

  // The admin sees the organization's projects and can add one; a duplicate key is refused with a reason.
  await expect(page.getByTestId("projects")).toContainText("Research");
  await page.getByLabel("Name", { exact: true }).fill("Customer interviews");
  await page.getByRole("button", { name: "Add project" }).click();
  await expect(page.getByTestId("action-result")).toContainText('"Customer interviews" (customer-interviews) created');
  await expect(page.getByTestId("projects")).toContainText("Customer interviews");
  await page.getByLabel("Name", { exact: true }).fill("Customer Interviews!");
  await page.getByRole("button", { name: "Add project" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "already exists" })).toBeVisible();
  expect((await sql<{ n: number }>(`SELECT count(*)::int n FROM "Project" WHERE "organizationId" = 'org_acme' AND key = 'customer-interviews'`))[0].n).toBe(1);
});
