-- Sync activity as append-only deltas. The triggers of 20261125142000_sync_activity_rollup updated one
-- SyncActivityDay row per organization, owner, provider, day and status in every job write: concurrent
-- webhook transactions all upserted the same "today, PENDING" row and waited on each other's row lock
-- (Lock:transactionid), 219 webhooks/s against 302/s with the trigger off. Now each job write appends a row
-- here (negative for what it takes away), which nothing else locks, and foldSyncActivity
-- (lib/dashboard/activity.ts, every minute on the atlas-activity-fold queue) moves the rows into
-- SyncActivityDay. Readers add both tables, so the numbers are exact whether or not a fold has run.
-- (The migration runner splits on semicolons, so function bodies spell them \073.)
CREATE TABLE "SyncActivityDelta" (
    "id" BIGSERIAL NOT NULL,
    "organizationId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "userId" TEXT NOT NULL,
    "provider" "Provider" NOT NULL,
    "status" "SyncStatus" NOT NULL,
    "jobs" INTEGER NOT NULL,
    "records" INTEGER NOT NULL,

    CONSTRAINT "SyncActivityDelta_pkey" PRIMARY KEY ("id")
);

-- The charts read an organization's deltas of the period: a short range even when folding has stalled.
CREATE INDEX "SyncActivityDelta_organizationId_day_idx" ON "SyncActivityDelta"("organizationId", "day");

-- A job counts under its connection's owner and provider. When the connection is already gone (a cascade
-- from deleting it), its jobs were subtracted by the Connection trigger below, so nothing is done here.
-- An update that moves only the records within the same row of the rollup appends one delta of no job.
CREATE OR REPLACE FUNCTION atlas_sync_activity_job() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
  owner TEXT\073
  prov "Provider"\073
BEGIN
  IF TG_OP = ''UPDATE'' AND NEW.status = OLD.status AND NEW."startedAt" = OLD."startedAt"
     AND NEW."recordsProcessed" = OLD."recordsProcessed" AND NEW."connectionId" = OLD."connectionId" THEN
    RETURN NULL\073
  END IF\073
  IF TG_OP = ''UPDATE'' AND NEW.status = OLD.status AND NEW."connectionId" = OLD."connectionId"
     AND NEW."organizationId" IS NOT DISTINCT FROM OLD."organizationId"
     AND (NEW."startedAt" AT TIME ZONE ''UTC'')::date = (OLD."startedAt" AT TIME ZONE ''UTC'')::date THEN
    IF NEW."recordsProcessed" <> OLD."recordsProcessed" THEN
      SELECT c."userId", c.provider INTO owner, prov FROM "Connection" c WHERE c.id = NEW."connectionId"\073
      IF FOUND THEN
        INSERT INTO "SyncActivityDelta" ("organizationId", day, "userId", provider, status, jobs, records)
        VALUES (NEW."organizationId", (NEW."startedAt" AT TIME ZONE ''UTC'')::date, owner, prov, NEW.status, 0,
                NEW."recordsProcessed" - OLD."recordsProcessed")\073
      END IF\073
    END IF\073
    RETURN NULL\073
  END IF\073
  IF TG_OP IN (''UPDATE'', ''DELETE'') THEN
    SELECT c."userId", c.provider INTO owner, prov FROM "Connection" c WHERE c.id = OLD."connectionId"\073
    IF FOUND THEN
      INSERT INTO "SyncActivityDelta" ("organizationId", day, "userId", provider, status, jobs, records)
      VALUES (OLD."organizationId", (OLD."startedAt" AT TIME ZONE ''UTC'')::date, owner, prov, OLD.status, -1, -OLD."recordsProcessed")\073
    END IF\073
  END IF\073
  IF TG_OP IN (''INSERT'', ''UPDATE'') THEN
    SELECT c."userId", c.provider INTO owner, prov FROM "Connection" c WHERE c.id = NEW."connectionId"\073
    IF FOUND THEN
      INSERT INTO "SyncActivityDelta" ("organizationId", day, "userId", provider, status, jobs, records)
      VALUES (NEW."organizationId", (NEW."startedAt" AT TIME ZONE ''UTC'')::date, owner, prov, NEW.status, 1, NEW."recordsProcessed")\073
    END IF\073
  END IF\073
  RETURN NULL\073
END\073
';

-- Deleting a connection takes its jobs out of the activity in one grouped statement, before the cascade
-- deletes the jobs themselves.
CREATE OR REPLACE FUNCTION atlas_sync_activity_connection() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  INSERT INTO "SyncActivityDelta" ("organizationId", day, "userId", provider, status, jobs, records)
  SELECT OLD."organizationId", (j."startedAt" AT TIME ZONE ''UTC'')::date, OLD."userId", OLD.provider, j.status,
         -count(*)::int, -coalesce(sum(j."recordsProcessed"), 0)::int
  FROM "SyncJob" j WHERE j."connectionId" = OLD.id
  GROUP BY (j."startedAt" AT TIME ZONE ''UTC'')::date, j.status\073
  RETURN OLD\073
END\073
';
