// At 390×844 (a phone): no page scrolls sideways, the main navigation reaches every page with the signed-in
// person in view, and hostile addresses answer with a page (never a 500). Screenshots land in e2e/screenshots/.
import { expect, test, type Page } from "@playwright/test";
import { DEMO, expectAccessible, signIn, sql } from "./helpers";

const PHONE = { width: 390, height: 844 };

async function expectNoSidewaysScroll(page: Page, what: string) {
  await page.waitForLoadState("networkidle");
  const widths = await page.evaluate(() => ({ document: document.documentElement.scrollWidth, body: document.body.scrollWidth, viewport: window.innerWidth }));
  expect(Math.max(widths.document, widths.body), `${what} is wider than the screen`).toBeLessThanOrEqual(widths.viewport);
}

/** The main navigation's links, each fully on screen. */
async function navLinks(page: Page) {
  const links = page.getByRole("navigation", { name: "Main" }).getByRole("link");
  const found: { href: string; label: string }[] = [];
  for (const link of await links.all()) {
    await expect(link).toBeVisible();
    const box = await link.boundingBox();
    expect(box, `${await link.innerText()} has no box`).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width, `${await link.innerText()} is cut off`).toBeLessThanOrEqual(PHONE.width);
    found.push({ href: (await link.getAttribute("href"))!, label: await link.innerText() });
  }
  return found;
}

for (const person of [DEMO.acmeAdmin, DEMO.acmeMember]) {
  test(`${person.name}: every page fits a phone and the nav reaches each one`, async ({ page }) => {
    await signIn(page, person.email);
    await page.setViewportSize(PHONE);
    await page.goto("/");
    await expect(page.getByTestId("viewer-name")).toBeVisible();
    const links = await navLinks(page);
    const isAdmin = person === DEMO.acmeAdmin;
    expect(links.map((l) => l.href)).toEqual(expect.arrayContaining(["/", "/connections", "/syncs", "/knowledge", ...(isAdmin ? ["/users", "/webhooks"] : [])]));

    const [own] = await sql<{ id: string }>(
      `SELECT c.id FROM "Connection" c JOIN "User" u ON u.id = c."userId" WHERE u.email = $1 ORDER BY c."createdAt" LIMIT 1`,
      [person.email],
    );
    const paths = [...links.map((l) => l.href), `/connections/${own.id}`, "/connections?sort=created", "/syncs?status=FAILED"];
    for (const path of paths) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBeLessThan(500);
      await page.waitForLoadState("networkidle");
      await expect(page.getByTestId("viewer-name")).toBeVisible();
      await expectNoSidewaysScroll(page, path);
      await expectAccessible(page);
      await page.screenshot({ path: `e2e/screenshots/phone-${isAdmin ? "admin" : "member"}${path.replace(/[^a-z0-9]+/gi, "-")}.png`, fullPage: true });
    }

    // Clicking through the nav itself, not only its hrefs.
    await page.goto("/");
    for (const link of links.filter((l) => l.href !== "/")) {
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: link.label, exact: true }).click();
      await expect(page).toHaveURL((url) => url.pathname === link.href);
    }
  });
}

test("tables become cards on a phone: every column's value is on screen", async ({ page }) => {
  await signIn(page, DEMO.acmeAdmin.email);
  await page.setViewportSize(PHONE);
  for (const [path, row, cells] of [
    ["/connections", "connection-row", ["Owner", "Last sync", "Created"]],
    ["/syncs", "sync-row", ["Records", "Errors"]],
    ["/users", "user-row", ["Joined"]],
  ] as const) {
    await page.goto(path);
    const first = page.getByTestId(row).first();
    for (const label of cells) {
      const cell = first.locator(`td[data-label="${label}"]`);
      await expect(cell, `${path} ${label}`).toBeVisible();
      const box = await cell.boundingBox();
      expect(box!.x + box!.width, `${path} ${label} is off screen`).toBeLessThanOrEqual(PHONE.width);
    }
  }
});

test("long text stays inside the screen: a 600-character search and a long project name", async ({ page }) => {
  const name = `Customer research for the northern hemisphere expansion programme ${"and more ".repeat(6)}`.slice(0, 100);
  await sql(
    `INSERT INTO "Project" (id, "organizationId", key, name, "createdAt", "updatedAt") VALUES ('project_e2e_long', 'org_acme', 'e2e-long-name', $1, now(), now())
     ON CONFLICT DO NOTHING`,
    [name],
  );
  try {
    await signIn(page, DEMO.acmeAdmin.email);
    for (const viewport of [PHONE, { width: 1440, height: 900 }]) {
      await page.setViewportSize(viewport);
      await page.goto(`/knowledge?q=${"x".repeat(600)}`);
      await expect(page.getByRole("heading", { name: "Knowledge" })).toBeVisible();
      await expectNoSidewaysScroll(page, `knowledge at ${viewport.width}`);
      await page.goto("/connections");
      await expectNoSidewaysScroll(page, `connections with a long project name at ${viewport.width}`);
      const select = page.getByTestId("connect-project");
      const box = await select.boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
    }
  } finally {
    await sql(`DELETE FROM "Project" WHERE id = 'project_e2e_long'`);
  }
});

test("hostile addresses answer with a page, never a 500", async ({ page }) => {
  await signIn(page, DEMO.acmeAdmin.email);
  await page.setViewportSize(PHONE);
  const nul = encodeURIComponent("a\u0000b");
  for (const path of [
    "/syncs?from=2024-99-99",
    "/syncs?from=0000-01-01&to=9999-99-99",
    `/syncs?cursor=${Buffer.from(JSON.stringify({ t: "not a date", id: "x" })).toString("base64url")}`,
    `/connections?cursor=${Buffer.from(JSON.stringify({ v: "2024-13-45", id: "x" })).toString("base64url")}`,
    `/connections?q=${nul}`,
    `/connections?q=${"y".repeat(600)}`,
    "/connections?q=%25%5F",
    `/knowledge?q=${nul}`,
    "/connections/%00",
  ]) {
    const res = await page.goto(path);
    expect([200, 404], path).toContain(res?.status());
    await expectNoSidewaysScroll(page, path);
  }
  const broken = await page.goto("/connections/%E0%A4%A");
  expect(broken?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
});
