// package.json's engines against what the installed packages ask for (scripts/engines.ts).
import { readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { installedRequirements, strictestMinimum, unmetRequirements, type NodeRequirement } from "./engines";

const ROOT = path.resolve(import.meta.dirname, "..");
const declared = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
const installed = installedRequirements(ROOT);

describe("engines.node", () => {
  it("is accepted by every installed package, runtime and dev alike (no EBADENGINE on any version it allows)", () => {
    expect(installed.length).toBeGreaterThan(50); // the lockfile and node_modules were read
    expect(installed.some((r) => r.name === "next" && !r.dev)).toBe(true);
    expect(unmetRequirements(declared, installed).map((r) => `${r.name}@${r.version} wants ${r.node}`)).toEqual([]);
  });

  it("starts where the strictest package starts, not lower and not higher", () => {
    expect(semver.minVersion(declared)?.version).toBe(strictestMinimum(installed));
  });

  it("allows the Node.js running these tests", () => {
    expect(semver.satisfies(process.versions.node, declared)).toBe(true);
  });

  it("reports a package that wants more than engines allows", () => {
    const axe: NodeRequirement = { name: "@axe-core/playwright", version: "4.14.0", node: ">=22.12.0", dev: true };
    const next: NodeRequirement = { name: "next", version: "16.4.6", node: ">=20.9.0", dev: false };
    expect(unmetRequirements(">=20.9", [axe, next])).toEqual([axe]);
    expect(unmetRequirements("^20.19.0 || >=22.12", [axe])).toEqual([axe]); // 20.x still allowed
    expect(unmetRequirements(">=22.12", [axe, next])).toEqual([]);
    expect(strictestMinimum([axe, next])).toBe("22.12.0");
  });
});
