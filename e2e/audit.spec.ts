// What an admin does shows in the audit log under their name, and the log's filters narrow it; a paused
// connection says so on its page and in the list (and under the list's "Paused" filter) until resumed.
// Globex's admin acts: the admin-side specs count Acme's rows.
import { expect, test, type Page } from "@playwright/test";
import { DEMO, expectAccessible, signIn, sql } from "./helpers";

const ADMIN = DEMO.globexAdmin;
const ACTOR = `${ADMIN.name} <${ADMIN.email}>`;

test.describe.configure({ mode: "serial" });

/** A connection of the admin's made through the Nango sandbox's popup (seeded rows are unknown to Nango). */
let connection: { id: string; label: string };
let since: Date;

/** An action's success message (the page's message region; the page has other status regions too). */
const said = (page: Page, text: string | RegExp) => page.getByRole("status").getByTestId("action-result").filter({ hasText: text });

test("pausing a connection shows a Paused badge on its page, in the list and under the Paused filter; resuming removes it", async ({ page }) => {
  since = (await sql<{ at: Date }>(`SELECT now() AS at`))[0].at;
  await signIn(page, ADMIN.email);
  await page.goto("/connections");
  await page.getByRole("button", { name: "Connect Linear" }).click();
  await page.frameLocator("iframe").getByRole("button", { name: /^Authorize / }).click();
  await expect(page.getByTestId("connect-status")).toHaveAttribute("data-phase", "done");
  await page.getByRole("link", { name: "View connection" }).click();
  await expect(page.getByTestId("connection-actions")).toBeVisible();
  const id = page.url().split("/connections/")[1];
  const [row] = await sql<{ account: string }>(`SELECT metadata->>'accountName' AS account FROM "Connection" WHERE id = $1`, [id]);
  expect(row.account).toBeTruthy();
  connection = { id, label: row.account };
  const listRow = (p: Page) => p.getByTestId("connection-row").filter({ has: p.locator(`a[href="/connections/${id}"]`) });

  await page.getByRole("button", { name: "Pause syncs" }).click();
  await expect(said(page, "Syncs paused")).toBeVisible();
  await expect(page.getByTestId("paused-badge")).toHaveText(/Paused/);

  await page.goto("/connections");
  await expect(listRow(page).getByTestId("paused-badge")).toHaveText("Paused");
  await page.getByLabel("Syncs").selectOption("paused");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/syncs=paused/);
  await expect(listRow(page)).toHaveCount(1);
  // Every row the filter shows is paused.
  for (const r of await page.getByTestId("connection-row").all()) await expect(r.getByTestId("paused-badge")).toBeVisible();

  await page.goto(`/connections/${id}`);
  await page.getByRole("button", { name: "Resume syncs" }).click();
  await expect(said(page, "Syncs resumed")).toBeVisible();
  await expect(page.getByTestId("paused-badge")).toHaveCount(0);
  await page.goto("/connections?syncs=paused");
  await expect(listRow(page)).toHaveCount(0);
  await page.goto("/connections");
  await expect(listRow(page)).toHaveCount(1);
  await expect(listRow(page).getByTestId("paused-badge")).toHaveCount(0);
});

test("the audit log lists each of the admin's actions under their name, and its filters narrow it", async ({ page }) => {
  const email = `audit-${Date.now()}@globex.test`;
  try {
    await signIn(page, ADMIN.email);

    // Invite, change the role, revoke.
    await page.goto("/users");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Invite" }).click();
    const invitation = page.getByTestId("invitation-row").filter({ hasText: email });
    await invitation.getByRole("button", { name: /^Make admin/ }).click();
    await expect(said(page, "is now an admin")).toBeVisible();

    // Sync now, then pause and resume.
    await page.goto(`/connections/${connection.id}`);
    await page.getByRole("button", { name: "Sync now" }).click();
    await expect(said(page, "Sync requested")).toBeVisible();
    await page.getByRole("button", { name: "Pause syncs" }).click();
    await expect(said(page, "Syncs paused")).toBeVisible();
    await page.getByRole("button", { name: "Resume syncs" }).click();
    await expect(said(page, "Syncs resumed")).toBeVisible();

    await page.goto("/users");
    await invitation.getByRole("button", { name: /^Revoke/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke invitation" }).click();
    await expect(said(page, `Invitation for ${email} revoked.`)).toBeVisible();

    // Disconnect (the dialog), which also leaves nothing of this spec behind.
    await page.goto(`/connections/${connection.id}`);
    await page.getByRole("button", { name: "Disconnect…" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Disconnect", exact: true }).click();
    await page.waitForURL("**/connections");
    await expect(said(page, "Disconnected")).toBeVisible();

    const expected: [string, string][] = [
      ["user.invited", email],
      ["user.role_changed", email],
      ["connection.sync_now", connection.label],
      ["connection.paused", connection.label],
      ["connection.resumed", connection.label],
      ["user.removed", email],
      ["connection.disconnected", connection.label],
    ];
    await page.goto("/audit");
    const rows = page.getByTestId("audit-row");
    for (const [action, target] of expected) {
      const row = rows.filter({ has: page.getByTestId("audit-action").getByText(action, { exact: true }) }).filter({ hasText: target }).first();
      await expect(row, action).toBeVisible();
      await expect(row.getByTestId("audit-actor")).toHaveText(ACTOR);
    }

    // By action: only that action's rows, ours among them.
    await page.getByLabel("Action").selectOption("connection.paused");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(page).toHaveURL(/action=connection\.paused/);
    // Paused twice: in the spec above and in this one.
    await expect(rows.filter({ hasText: connection.label })).toHaveCount(2);
    for (const text of await page.getByTestId("audit-action").allInnerTexts()) expect(text).toBe("connection.paused");

    // By who: only the admin's rows; by target: only users.
    const [{ id: adminId }] = await sql<{ id: string }>(`SELECT id FROM "User" WHERE email = $1`, [ADMIN.email]);
    await page.goto(`/audit?actor=${adminId}&targetType=user`);
    await expect(page.getByLabel("Who")).toHaveValue(adminId);
    await expect(rows.filter({ hasText: email })).toHaveCount(3);
    for (const text of await page.getByTestId("audit-actor").allInnerTexts()) expect(text).toBe(ACTOR);
    for (const text of await rows.allInnerTexts()) expect(text).toMatch(/\buser\b/);

    // Atlas's own: none of these.
    await page.getByLabel("Who").selectOption("atlas");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect(rows.filter({ hasText: email })).toHaveCount(0);

    // By day: today has them, a day before the spec started has none.
    const today = new Date().toISOString().slice(0, 10);
    await page.goto(`/audit?from=${today}&to=${today}&action=user.invited`);
    await expect(rows.filter({ hasText: email })).toHaveCount(1);
    const before = new Date(since.getTime() - 86_400_000).toISOString().slice(0, 10);
    await page.goto(`/audit?to=${before}&action=user.invited`);
    await expect(rows.filter({ hasText: email })).toHaveCount(0);
    await page.goto("/audit");
    await expectAccessible(page);

    // What the page shows is what the trail holds.
    const events = await sql<{ action: string; actorLabel: string }>(
      `SELECT action, "actorLabel" FROM "AuditEvent" WHERE "organizationId" = $1 AND at >= $2 AND ("targetLabel" = $3 OR "targetId" = $4) ORDER BY at`,
      [ADMIN.orgId, since, email, connection.id],
    );
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(expected.map(([a]) => a)));
    expect(new Set(events.filter((e) => expected.some(([a]) => a === e.action)).map((e) => e.actorLabel))).toEqual(new Set([ACTOR]));
  } finally {
    await sql(`DELETE FROM "User" WHERE email = $1`, [email]);
  }
});
