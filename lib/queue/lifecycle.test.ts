// Creating a queue while another process creates queues: PostgreSQL breaks the deadlock by aborting one
// statement (40P01), and that one is tried again. (The race itself: lib/queue/faults-under-load.test.ts
// starts two workers together on a fresh database.)
import type PgBoss from "pg-boss";
import { describe, expect, it } from "vitest";
import { createQueue } from "./lifecycle";

function bossFailing(...errors: unknown[]) {
  const calls: string[] = [];
  const boss = {
    async createQueue(name: string) {
      calls.push(name);
      const err = errors.shift();
      if (err) throw err;
    },
  } as unknown as PgBoss;
  return { boss, calls };
}

const deadlock = Object.assign(new Error("deadlock detected"), { code: "40P01" });

describe("createQueue", () => {
  it("tries again after a deadlock", async () => {
    const { boss, calls } = bossFailing(deadlock, deadlock);
    await createQueue(boss, { name: "q" });
    expect(calls).toEqual(["q", "q", "q"]);
  });

  it("gives up after its attempts, and at once on any other error", async () => {
    const { boss, calls } = bossFailing(deadlock, deadlock, deadlock);
    await expect(createQueue(boss, { name: "q" }, 3)).rejects.toBe(deadlock);
    expect(calls).toHaveLength(3);
    const refused = Object.assign(new Error("permission denied"), { code: "42501" });
    const other = bossFailing(refused);
    await expect(createQueue(other.boss, { name: "q" })).rejects.toBe(refused);
    expect(other.calls).toHaveLength(1);
  });
});
