// Connecting accounts through Nango's Connect UI (the Nango sandbox, reached only through @nangohq/frontend,
// @nangohq/node and signed webhooks), and acting on connections: expire + reconnect, pause, resume, disconnect.
import { expect, test, type Page } from "@playwright/test";
import { createHash } from "node:crypto";
import { expectAccessible, screenshots, signIn, sql } from "./helpers";

// A Globex member: the admin-side specs count Acme's rows, and these add connections.
const INES = { email: "ines@globex.test", name: "Inès Duarte", id: "user_ines" };
const GRACE = { email: "grace@globex.test" };
const PROVIDERS = [
  { provider: "GITHUB", label: "GitHub" },
  { provider: "NOTION", label: "Notion" },
  { provider: "JIRA", label: "Jira" },
  { provider: "SLACK", label: "Slack" },
  { provider: "LINEAR", label: "Linear" },
];

/** The sandbox's control endpoints (not Nango's API): what Nango would do on its own, on demand. */
async function nangoSandbox(path: string, body: unknown = {}) {
  const res = await fetch(`${process.env.NANGO_HOST}${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${process.env.NANGO_SECRET_KEY}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

async function nangoApi(path: string) {
  return fetch(`${process.env.NANGO_HOST}${path}`, { headers: { Authorization: `Bearer ${process.env.NANGO_SECRET_KEY}` } });
}

async function connectionsOf(userId: string, provider: string) {
  return sql<{ id: string; connectionId: string; status: string; metadata: Record<string, unknown> }>(
    `SELECT id, "connectionId", status::text, metadata FROM "Connection" WHERE "userId" = $1 AND provider = $2 ORDER BY "createdAt"`,
    [userId, provider],
  );
}

async function authorizeInPopup(page: Page) {
  const popup = page.frameLocator("iframe");
  await popup.getByRole("button", { name: /^Authorize / }).click();
}

test.describe.configure({ mode: "serial" });

test("an end user connects each provider through the Nango popup and sees it become ACTIVE", async ({ page }) => {
  await signIn(page, INES.email);
  await page.goto("/connections");
  for (const { provider, label } of PROVIDERS) {
    const before = await connectionsOf(INES.id, provider);
    const sessionsBefore = (await sql<{ n: number }>(`SELECT count(*)::int n FROM "Session" WHERE "userId" = $1`, [INES.id]))[0].n;
    await page.getByRole("button", { name: `Connect ${label}` }).click();
    await authorizeInPopup(page);
    await expect(page.getByTestId("connect-status")).toHaveAttribute("data-phase", "done");
    await expect(page.getByTestId("connect-status")).toContainText(`${label} is connected`);

    const after = await connectionsOf(INES.id, provider);
    expect(after).toHaveLength(before.length + 1);
    const created = after[after.length - 1];
    expect(created.status).toBe("ACTIVE");
    expect(created.metadata.projectId).toBe("default");

    // The connect session is stored by the token's SHA-256 only, with the seed's metadata shape.
    const sessions = await sql<{ sessionId: string; provider: string; metadata: Record<string, unknown> }>(
      `SELECT "sessionId", provider::text, metadata FROM "Session" WHERE "userId" = $1 ORDER BY "createdAt" DESC LIMIT 1`,
      [INES.id],
    );
    expect(sessions[0].provider).toBe(provider);
    expect(sessions[0].sessionId).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(sessions[0].metadata)).toEqual(expect.arrayContaining(["tokenExpiry", "integrationId", "scope", "nonce"]));
    expect(JSON.stringify(sessions[0].metadata)).not.toContain("nango_connect_session_");
    expect((await sql<{ n: number }>(`SELECT count(*)::int n FROM "Session" WHERE "userId" = $1`, [INES.id]))[0].n).toBe(sessionsBefore + 1);
    await page.getByRole("button", { name: "Dismiss" }).click();
  }
  // Every new connection is listed without a reload having been asked for.
  await expect(page.getByTestId("connection-row").filter({ hasText: "Linear" })).toHaveCount(1);
  await screenshots(page, "connect-panel");
  await expectAccessible(page);
});

test("closing the popup without authorizing says so and creates nothing", async ({ page }) => {
  await signIn(page, INES.email);
  await page.goto("/connections");
  const before = await connectionsOf(INES.id, "SLACK");
  await page.getByRole("button", { name: "Connect Slack" }).click();
  await page.frameLocator("iframe").getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("connect-status")).toHaveAttribute("data-phase", "cancelled");
  await expect(page.getByTestId("connect-status")).toContainText("Nothing changed");
  expect(await connectionsOf(INES.id, "SLACK")).toHaveLength(before.length);
});

test("a refresh failure expires a connection; its owner reconnects it in the popup", async ({ page }) => {
  const [github] = (await connectionsOf(INES.id, "GITHUB")).filter((c) => c.status === "ACTIVE" && c.metadata.integrationId);
  expect(github).toBeTruthy();
  await nangoSandbox(`/_sandbox/connections/${github.connectionId}/expire`);
  await expect.poll(async () => (await connectionsOf(INES.id, "GITHUB")).find((c) => c.id === github.id)?.status).toBe("EXPIRED");
  const expired = (await connectionsOf(INES.id, "GITHUB")).find((c) => c.id === github.id)!;
  expect((expired.metadata.lastError as { code: string }).code).toBeTruthy();

  await signIn(page, INES.email);
  await page.goto(`/connections/${github.id}`);
  await expect(page.getByRole("alert").filter({ hasText: "refresh token" })).toBeVisible();
  await screenshots(page, "connection-expired");
  await page.getByRole("button", { name: "Reconnect GitHub" }).click();
  await authorizeInPopup(page);
  await expect(page.getByTestId("connect-status")).toHaveAttribute("data-phase", "done");
  const healed = (await connectionsOf(INES.id, "GITHUB")).find((c) => c.id === github.id)!;
  expect(healed.status).toBe("ACTIVE");
  expect(healed.metadata.lastError).toBeUndefined();
  // Same connection, re-authorized: no new row.
  expect((await connectionsOf(INES.id, "GITHUB")).filter((c) => c.connectionId === github.connectionId)).toHaveLength(1);
});

test("an admin sends the owner a reconnect link that works on its own for 30 minutes", async ({ page, browser }) => {
  const [jira] = (await connectionsOf(INES.id, "JIRA")).filter((c) => c.status === "ACTIVE" && c.metadata.integrationId);
  await nangoSandbox(`/_sandbox/connections/${jira.connectionId}/expire`);
  await expect.poll(async () => (await connectionsOf(INES.id, "JIRA")).find((c) => c.id === jira.id)?.status).toBe("EXPIRED");

  await signIn(page, GRACE.email);
  await page.goto(`/connections/${jira.id}`);
  await page.getByRole("button", { name: `Create reconnect link for ${INES.name}` }).click();
  const link = await page.getByRole("textbox", { name: "Reconnect link" }).inputValue();
  expect(link).toContain("session_token=");
  const token = new URL(link).searchParams.get("session_token")!;
  const [session] = await sql<{ userId: string; metadata: { tokenExpiry: string; requestedBy?: string } }>(
    `SELECT "userId", metadata FROM "Session" WHERE "sessionId" = $1`,
    [createHash("sha256").update(token).digest("hex")],
  );
  expect(session.userId).toBe(INES.id); // the owner re-authorizes, not the admin
  expect(session.metadata.requestedBy).toBe("user_grace");
  const minutes = (Date.parse(session.metadata.tokenExpiry) - Date.now()) / 60_000;
  expect(minutes).toBeGreaterThan(28);
  expect(minutes).toBeLessThanOrEqual(30);

  // The owner opens the link: Nango's hosted Connect UI, no Atlas page around it.
  const owner = await browser.newPage();
  await owner.goto(link);
  await owner.getByRole("button", { name: /^Authorize / }).click();
  // The page's status line (its sandbox badge also says "no real account is connected").
  await expect(owner.locator("#status")).toHaveText(/is connected/);
  await owner.close();
  await expect.poll(async () => (await connectionsOf(INES.id, "JIRA")).find((c) => c.id === jira.id)?.status).toBe("ACTIVE");
});

test("pause, resume and disconnect a connection", async ({ page }) => {
  const [notion] = (await connectionsOf(INES.id, "NOTION")).filter((c) => c.status === "ACTIVE" && c.metadata.integrationId);
  await signIn(page, INES.email);
  await page.goto(`/connections/${notion.id}`);
  const syncStatus = async () => {
    const res = await nangoApi(`/sync/status?provider_config_key=notion&syncs=*&connection_id=${notion.connectionId}`);
    return ((await res.json()) as { syncs: { status: string }[] }).syncs.map((s) => s.status);
  };

  await page.getByRole("button", { name: "Pause syncs" }).click();
  await expect(page.getByTestId("paused-note")).toBeVisible();
  expect(await syncStatus()).toEqual(["PAUSED"]);
  expect((await connectionsOf(INES.id, "NOTION")).find((c) => c.id === notion.id)!.metadata.syncsPausedAt).toBeTruthy();

  await page.getByRole("button", { name: "Resume syncs" }).click();
  await expect(page.getByTestId("paused-note")).toHaveCount(0);
  expect(await syncStatus()).toEqual(["SUCCESS"]);
  expect((await connectionsOf(INES.id, "NOTION")).find((c) => c.id === notion.id)!.metadata.syncsPausedAt).toBeUndefined();

  await page.getByRole("button", { name: "Disconnect…" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("sync history");
  await expect(dialog).toContainText("cannot be undone");
  await dialog.getByRole("button", { name: "Cancel", exact: true }).click();
  expect((await connectionsOf(INES.id, "NOTION")).some((c) => c.id === notion.id)).toBe(true);

  await page.getByRole("button", { name: "Disconnect…" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Disconnect", exact: true }).click();
  await page.waitForURL("**/connections");
  expect((await connectionsOf(INES.id, "NOTION")).some((c) => c.id === notion.id)).toBe(false);
  expect((await nangoApi(`/connections/${notion.connectionId}?provider_config_key=notion`)).status).toBe(404);
});

test("members cannot act on someone else's connection; admins see the webhook log", async ({ page }) => {
  // Ben (Acme member) does not own Ines's connection: the page is a 404, the action has nothing to act on.
  const [slack] = await connectionsOf(INES.id, "SLACK");
  await signIn(page, "hiro@globex.test");
  const res = await page.goto(`/connections/${slack.id}`);
  expect(res?.status()).toBe(404);

  await signIn(page, GRACE.email);
  await page.goto("/webhooks");
  const rows = page.getByTestId("webhook-row");
  const applied = (await sql<{ n: number }>(`SELECT count(*)::int n FROM "WebhookDelivery" WHERE "organizationId" = 'org_globex'`))[0].n;
  expect(applied).toBeGreaterThan(0);
  await expect(rows).toHaveCount(Math.min(applied, 30));
  await expect(rows.first()).toContainText(/Applied|Duplicate|Ignored/);
  await page.goto("/webhooks?outcome=APPLIED");
  for (const text of await rows.allInnerTexts()) expect(text).toContain("Applied");
  await screenshots(page, "webhooks");
  await expectAccessible(page);

  // Members do not see it.
  await signIn(page, INES.email);
  expect((await page.goto("/webhooks"))?.status()).toBe(404);
});
