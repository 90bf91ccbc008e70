// The recovery task's card says in words what the run did; the words are stored with the run.
import { describe, expect, it } from "vitest";
import { prisma } from "@/lib/db/client";
import { lastMaintenanceRuns, recordMaintenanceRun } from "@/lib/maintenance/retention";
import { recoverySummary } from "./maintenance";

describe("recovery summary", () => {
  it("says what was re-sent and what was failed, or that nothing needed it", () => {
    expect(recoverySummary(0, 0)).toBe("Nothing to recover: every running sync job had a live queue job.");
    expect(recoverySummary(2, 0)).toBe("Put 2 sync jobs whose worker was lost back on the queue (they resume from their cursor).");
    expect(recoverySummary(1, 1)).toBe(
      "Put 1 sync job whose worker was lost back on the queue (they resume from their cursor) and marked 1 sync job FAILED (WORKER_LOST) because they had used every attempt.",
    );
  });

  it("is stored with the run and read back for the card; a count-only task keeps no summary", async () => {
    const task = `test-task-${Date.now()}`;
    await recordMaintenanceRun(task, async () => ({ rows: 3, summary: recoverySummary(2, 1) }));
    await recordMaintenanceRun(`${task}-count`, async () => 5);
    const runs = await lastMaintenanceRuns();
    expect(runs.find((r) => r.task === task)).toMatchObject({ rowsRemoved: 3, summary: expect.stringContaining("Put 2 sync jobs") });
    expect(runs.find((r) => r.task === `${task}-count`)).toMatchObject({ rowsRemoved: 5, summary: null });
    await prisma.maintenanceRun.deleteMany({ where: { task: { startsWith: task } } });
  });
});
