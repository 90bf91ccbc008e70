import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { prisma } from "@/lib/db/client";
import { ConflictError, ForbiddenError } from "@/lib/errors";
import { createConnection, createOrg, createUser } from "@/lib/test/factory";
import { graphIdFor } from "@/lib/zep";
import { createProject, ensureDefaultProject, projectKeyFrom, projectsVisibleTo } from "./projects";
import { PROJECT_KEY, projectKeyForName } from "./project-key";

async function orgWithPeople() {
  const org = await createOrg();
  const admin = await createUser(org.id, { role: "ADMIN" });
  const member = await createUser(org.id);
  return {
    org,
    admin: { organizationId: org.id, userId: admin.id, role: "ADMIN" as const },
    member: { organizationId: org.id, userId: member.id, role: "MEMBER" as const },
    memberUser: member,
  };
}

describe("projects", () => {
  it("derives slug keys from names", () => {
    expect(projectKeyFrom("Customer Research!")).toBe("customer-research");
    expect(projectKeyFrom("  Évaluation  Q3 / 2026 ")).toBe("evaluation-q3-2026");
    expect(projectKeyFrom("x".repeat(60))).toHaveLength(40);
    expect(projectKeyFrom("!!!")).toBe("");
  });

  it("accepts names in any script: a name with no Latin letters or digits gets a hashed key", async () => {
    const { admin } = await orgWithPeople();
    const japanese = await createProject(admin, { name: "顧客調査" });
    const emoji = await createProject(admin, { name: "🚀🌕" });
    for (const p of [japanese, emoji]) expect(p.key).toMatch(PROJECT_KEY);
    expect(japanese.key).toMatch(/^project-[a-z0-9]{7}$/);
    expect(japanese.key).not.toBe(emoji.key);
    expect(japanese.name).toBe("顧客調査");
    expect(projectKeyForName("顧客調査")).toBe(japanese.key);
    // The same name twice is the same key, refused as a duplicate like any other.
    await expect(createProject(admin, { name: "顧客調査" })).rejects.toBeInstanceOf(ConflictError);
    expect(projectKeyForName("Customer Research")).toBe("customer-research");
  });

  it("createProject: admins only, key derived or given, unique per organization with a clear error", async () => {
    const { org, admin, member } = await orgWithPeople();
    const created = await createProject(admin, { name: "Customer Research" });
    expect(created).toMatchObject({ key: "customer-research", name: "Customer Research", graphId: graphIdFor(org.id, "customer-research") });
    await expect(createProject(admin, { name: "Other", key: "customer-research" })).rejects.toThrow(
      /A project with the key "customer-research" already exists in this organization/,
    );
    await expect(createProject(admin, { name: "Customer research" })).rejects.toBeInstanceOf(ConflictError);
    await expect(createProject(member, { name: "Mine" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(createProject(admin, { name: "Bad", key: "Not_A_Slug" })).rejects.toBeInstanceOf(ZodError);
    await expect(createProject(admin, { name: "" })).rejects.toBeInstanceOf(ZodError);
    // Another organization may use the same key.
    const other = await orgWithPeople();
    await expect(createProject(other.admin, { name: "Customer Research" })).resolves.toMatchObject({ key: "customer-research" });
    expect(await prisma.project.count({ where: { organizationId: org.id, key: { not: "default" } } })).toBe(1);
  });

  it("projectsVisibleTo: admins see all, members the projects their connections feed plus default", async () => {
    const { org, admin, member, memberUser } = await orgWithPeople();
    await createProject(admin, { name: "Alpha" });
    await createProject(admin, { name: "Beta" });
    await createConnection(memberUser, { metadata: { projectId: "beta" } });
    await createConnection(memberUser, { metadata: { accountName: "x" } }); // no projectId: feeds default

    expect((await projectsVisibleTo(admin)).map((p) => p.key)).toEqual(["default", "alpha", "beta"]);
    const mine = await projectsVisibleTo(member);
    expect(mine.map((p) => p.key)).toEqual(["default", "beta"]);
    expect(mine[1]!.graphId).toBe(graphIdFor(org.id, "beta"));
    // Another organization's admin sees none of these.
    const other = await orgWithPeople();
    expect((await projectsVisibleTo(other.admin)).map((p) => p.key)).toEqual(["default"]);
  });

  it("ensureDefaultProject is idempotent under concurrency", async () => {
    const org = await createOrg();
    await Promise.all([ensureDefaultProject(org.id), ensureDefaultProject(org.id), ensureDefaultProject(org.id)]);
    expect(await prisma.project.findMany({ where: { organizationId: org.id }, select: { key: true, name: true } })).toEqual([{ key: "default", name: "Default" }]);
  });
});
