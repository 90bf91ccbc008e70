-- Sync jobs carry their connection's organization, so organization-scoped pages read one index range
-- instead of walking every organization's jobs by start time. A connection never changes organization, so
-- the copy cannot drift: a trigger fills it on insert, whichever code writes the job.
-- (The migration runner splits on semicolons, so the function body spells them \073.)
ALTER TABLE "SyncJob" ADD COLUMN "organizationId" TEXT;

UPDATE "SyncJob" j SET "organizationId" = c."organizationId" FROM "Connection" c WHERE c.id = j."connectionId";

CREATE FUNCTION atlas_sync_job_organization() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  SELECT c."organizationId" INTO NEW."organizationId" FROM "Connection" c WHERE c.id = NEW."connectionId"\073
  RETURN NEW\073
END\073
';

CREATE TRIGGER "SyncJob_organizationId" BEFORE INSERT OR UPDATE OF "connectionId" ON "SyncJob"
  FOR EACH ROW EXECUTE FUNCTION atlas_sync_job_organization();

-- Sync history, newest first, for an organization (admins), and filtered by status.
-- status and recordsProcessed ride along as trailing key columns (Prisma cannot declare INCLUDE), so the
-- 30-day activity chart is an index-only scan.
CREATE INDEX "SyncJob_organizationId_startedAt_id_status_recordsProcessed_idx" ON "SyncJob"("organizationId", "startedAt" DESC, "id" DESC, "status", "recordsProcessed");
CREATE INDEX "SyncJob_organizationId_status_startedAt_id_idx" ON "SyncJob"("organizationId", "status", "startedAt" DESC, "id" DESC);

-- One connection's history and a member's charts, replacing the index on connectionId alone.
DROP INDEX "SyncJob_connectionId_idx";
CREATE INDEX "SyncJob_connectionId_startedAt_status_recordsProcessed_idx" ON "SyncJob"("connectionId", "startedAt" DESC, "status", "recordsProcessed");

-- The webhook page's outcome counts.
CREATE INDEX "WebhookDelivery_organizationId_outcome_idx" ON "WebhookDelivery"("organizationId", "outcome");

-- The planner knows nothing of the new column until the table is analyzed: do it now, not at autovacuum's leisure.
ANALYZE "SyncJob";
