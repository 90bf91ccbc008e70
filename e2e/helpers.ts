import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import pg from "pg";

export const DEMO = {
  acmeAdmin: { email: "ada@acme.test", name: "Ada Admin", org: "Acme Robotics", orgId: "org_acme" },
  acmeMember: { email: "ben@acme.test", name: "Ben Okafor", org: "Acme Robotics", orgId: "org_acme" },
  globexAdmin: { email: "grace@globex.test", name: "Grace Hopper", org: "Globex Research", orgId: "org_globex" },
  globexMember: { email: "hiro@globex.test", name: "Hiro Tanaka", org: "Globex Research", orgId: "org_globex" },
} as const;

/** Expected values come from the database the app serves, not from constants in the tests. */
export async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function signIn(page: Page, email: string) {
  await page.context().clearCookies();
  await page.goto("/signin");
  await page.getByRole("button", { name: new RegExp(email.replace(".", "\\.")) }).click();
  await expect(page.getByTestId("viewer-name")).toBeVisible();
}

/** axe-core: no serious or critical violation on the page as rendered. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length} nodes: ${v.nodes[0]?.target})`)).toEqual([]);
}

/** Screenshots of a page at desktop and phone width, in e2e/screenshots/. */
export async function screenshots(page: Page, name: string, desktopWidth = 1440) {
  mkdirSync("e2e/screenshots", { recursive: true });
  await page.setViewportSize({ width: desktopWidth, height: 900 });
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: `e2e/screenshots/${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `e2e/screenshots/${name}-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}
