// The People page: an invitation is pending until its person signs in, role changes and removals say what
// they did, and removal asks first in the app's own dialog. Members get 404 on every admin page.
import { expect, test, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { DEMO, expectAccessible, signIn, sql } from "./helpers";

const ADMIN = DEMO.acmeAdmin;

test.describe.configure({ mode: "serial" });

/** Desktop (1440) and phone (390) screenshots of what is on screen now, in e2e/screenshots/. */
async function shoot(page: Page, name: string) {
  mkdirSync("e2e/screenshots", { recursive: true });
  for (const [width, suffix] of [[1440, "desktop"], [390, "phone"]] as const) {
    await page.setViewportSize({ width, height: width === 1440 ? 900 : 844 });
    await page.waitForTimeout(200);
    await page.screenshot({ path: `e2e/screenshots/${name}-${suffix}.png`, fullPage: suffix === "desktop" });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

const message = (page: Page) => page.getByTestId("action-result");

test("an invitation is pending until its person signs in; role change and removal say what they did", async ({ page }) => {
  const email = `nia-${Date.now()}@acme.test`;
  const name = "Nia Newcomer";
  try {
    await signIn(page, ADMIN.email);
    await page.goto("/users");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Name").fill(name);
    await page.getByRole("button", { name: "Invite" }).click();
    await expect(page.getByRole("status").filter({ hasText: `${email} is invited` })).toBeVisible();

    // Pending: in the invitations, with when and by whom, not among the members.
    const invitation = page.getByTestId("invitation-row").filter({ hasText: email });
    await expect(invitation).toHaveCount(1);
    await expect(invitation).toContainText("Pending invitation");
    await expect(invitation.getByTestId("invited")).toContainText(`by ${ADMIN.name}`);
    await expect(page.getByTestId("user-row").filter({ hasText: email })).toHaveCount(0);
    // The admin who just signed in has a last sign-in.
    await expect(page.getByTestId("user-row").filter({ hasText: ADMIN.email }).getByTestId("last-sign-in").locator("time")).toBeVisible();

    await invitation.getByRole("button", { name: /^Make admin/ }).click();
    await expect(message(page)).toContainText(`${name} is now an admin.`);
    await expect(message(page)).toHaveAttribute("data-ok", "true");
    await expect(invitation.getByRole("cell", { name: "Admin", exact: true })).toBeVisible();
    expect((await sql<{ role: string }>(`SELECT role::text FROM "User" WHERE email = $1`, [email]))[0].role).toBe("ADMIN");
    await expectAccessible(page);
    await shoot(page, "people-success-message");

    // They sign in: a member now, with a last sign-in, and no longer pending.
    await signIn(page, email);
    const [row] = await sql<{ lastSignInAt: Date | null }>(`SELECT "lastSignInAt" FROM "User" WHERE email = $1`, [email]);
    expect(row.lastSignInAt).not.toBeNull();
    await signIn(page, ADMIN.email);
    await page.goto("/users");
    await expect(page.getByTestId("invitation-row").filter({ hasText: email })).toHaveCount(0);
    const member = page.getByTestId("user-row").filter({ hasText: email });
    await expect(member.getByTestId("last-sign-in").locator("time")).toBeVisible();
    await shoot(page, "people");

    // Remove: the app's dialog, titled, Cancel focused first; Escape and Cancel keep them.
    await member.getByRole("button", { name: /^Remove/ }).click();
    const dialog = page.getByRole("dialog", { name: `Remove ${name}?` });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("heading", { name: `Remove ${name}?` })).toBeVisible();
    await expect(dialog).toContainText("cannot be undone");
    await expect(dialog.getByRole("button", { name: "Cancel", exact: true })).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await member.getByRole("button", { name: /^Remove/ }).click();
    await dialog.getByRole("button", { name: "Cancel", exact: true }).click();
    await expect(dialog).toBeHidden();
    expect(await sql(`SELECT 1 FROM "User" WHERE email = $1`, [email])).toHaveLength(1);

    await member.getByRole("button", { name: /^Remove/ }).click();
    await expect(dialog).toBeVisible();
    await expectAccessible(page);
    await shoot(page, "confirm-dialog");
    await dialog.getByRole("button", { name: "Remove", exact: true }).click();
    await expect(message(page)).toContainText(`${name} removed, with their connections and sync history.`);
    await expect(member).toHaveCount(0);
    expect(await sql(`SELECT 1 FROM "User" WHERE email = $1`, [email])).toHaveLength(0);
  } finally {
    await sql(`DELETE FROM "User" WHERE email = $1`, [email]);
  }
});

test("revoking an invitation removes it; a failure says why", async ({ page }) => {
  const email = `revoke-${Date.now()}@acme.test`;
  try {
    await signIn(page, ADMIN.email);
    await page.goto("/users");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Invite" }).click();
    const invitation = page.getByTestId("invitation-row").filter({ hasText: email });
    await expect(invitation).toHaveCount(1);

    // The same email again: the error, as an alert.
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Invite" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "already exists" })).toBeVisible();
    await expect(message(page)).toHaveAttribute("data-ok", "false");

    await invitation.getByRole("button", { name: /^Revoke/ }).click();
    await page.getByRole("dialog", { name: `Revoke the invitation for ${email}?` }).getByRole("button", { name: "Revoke invitation" }).click();
    await expect(page.getByRole("status").filter({ hasText: `Invitation for ${email} revoked.` })).toBeVisible();
    await expect(invitation).toHaveCount(0);
    expect(await sql(`SELECT 1 FROM "User" WHERE email = $1`, [email])).toHaveLength(0);
  } finally {
    await sql(`DELETE FROM "User" WHERE email = $1`, [email]);
  }
});

test("a member gets 404 on every admin page, and the nav does not offer them", async ({ page }) => {
  await signIn(page, DEMO.acmeMember.email);
  for (const path of ["/users", "/audit", "/alerts", "/webhooks", "/failed-records"]) {
    const res = await page.goto(path);
    expect(res?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
  }
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const label of ["People", "Audit log", "Alerts", "Webhooks", "Failed records"]) await expect(nav.getByRole("link", { name: label, exact: true })).toHaveCount(0);
});
