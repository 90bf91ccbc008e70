// Which Node.js versions the installed packages accept, against package.json's `engines`: every package npm
// installs (`npm ci`, dev tools included, since a deployment builds and migrates with them) must accept every
// version `engines` allows, or npm warns EBADENGINE and the package may not work. `npx tsx scripts/engines.ts`
// prints the packages that decide the range; scripts/engines.test.ts fails when `engines` and they disagree.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import semver from "semver";

export type NodeRequirement = { name: string; version: string; node: string; dev: boolean };

type LockEntry = { version?: string; dev?: boolean; devOptional?: boolean; link?: boolean };

/** The `engines.node` of every package installed under root/node_modules, as package-lock.json lists them. */
export function installedRequirements(root: string): NodeRequirement[] {
  const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> };
  const found: NodeRequirement[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    // "" is the project itself; optional packages for other platforms are listed but not installed.
    const manifest = path.join(root, where, "package.json");
    if (!where || entry.link || !existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string; engines?: { node?: unknown } };
    const node = pkg.engines?.node;
    if (typeof node !== "string" || !semver.validRange(node)) continue;
    found.push({ name: pkg.name ?? where, version: pkg.version ?? "?", node, dev: Boolean(entry.dev || entry.devOptional) });
  }
  return found;
}

/** Packages that refuse some Node version `declared` allows (an EBADENGINE waiting to happen). */
export function unmetRequirements(declared: string, requirements: NodeRequirement[]): NodeRequirement[] {
  return requirements.filter((r) => !semver.subset(declared, r.node, { includePrerelease: false }));
}

/** The lowest Node version every requirement accepts at its bottom: the highest of their minimum versions. */
export function strictestMinimum(requirements: NodeRequirement[]): string {
  return requirements.map((r) => semver.minVersion(r.node)?.version ?? "0.0.0").reduce((a, b) => (semver.gt(b, a) ? b : a), "0.0.0");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = path.resolve(import.meta.dirname, "..");
  const declared = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { engines: { node: string } }).engines.node;
  const all = installedRequirements(root);
  const runtime = all.filter((r) => !r.dev);
  console.log(`package.json engines.node: ${declared}`);
  console.log(`lowest Node every package accepts: ${strictestMinimum(all)} (runtime dependencies alone: ${strictestMinimum(runtime)})`);
  const unmet = unmetRequirements(declared, all);
  for (const r of unmet) console.log(`  ${r.name}@${r.version}${r.dev ? " (dev)" : ""} wants ${r.node}`);
  console.log(unmet.length ? `${unmet.length} package(s) refuse some version engines allows.` : "Every installed package accepts every version engines allows.");
  if (unmet.length) process.exitCode = 1;
}
