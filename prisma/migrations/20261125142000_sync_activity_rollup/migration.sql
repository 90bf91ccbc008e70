-- Daily sync activity per organization, owner, provider and status, kept by triggers in the same
-- transaction as every job write: the 30-day charts read at most owners x providers x days x statuses rows
-- instead of every job of the period (100,000 for an organization of 3,000 connections).
-- (The migration runner splits on semicolons, so function bodies spell them \073.)
CREATE TABLE "SyncActivityDay" (
    "organizationId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "userId" TEXT NOT NULL,
    "provider" "Provider" NOT NULL,
    "status" "SyncStatus" NOT NULL,
    "jobs" INTEGER NOT NULL,
    "records" INTEGER NOT NULL,

    CONSTRAINT "SyncActivityDay_pkey" PRIMARY KEY ("organizationId","day","userId","provider","status")
);

INSERT INTO "SyncActivityDay" ("organizationId", "day", "userId", "provider", "status", "jobs", "records")
SELECT c."organizationId", (j."startedAt" AT TIME ZONE 'UTC')::date, c."userId", c.provider, j.status, count(*)::int, coalesce(sum(j."recordsProcessed"), 0)::int
FROM "SyncJob" j JOIN "Connection" c ON c.id = j."connectionId"
GROUP BY 1, 2, 3, 4, 5;

-- A job counts under its connection's owner and provider. When the connection is already gone (a cascade
-- from deleting it), its jobs were subtracted by the Connection trigger below, so nothing is done here.
CREATE FUNCTION atlas_sync_activity_job() RETURNS trigger LANGUAGE plpgsql AS E'
DECLARE
  owner TEXT\073
  prov "Provider"\073
BEGIN
  IF TG_OP = ''UPDATE'' AND NEW.status = OLD.status AND NEW."startedAt" = OLD."startedAt"
     AND NEW."recordsProcessed" = OLD."recordsProcessed" AND NEW."connectionId" = OLD."connectionId" THEN
    RETURN NULL\073
  END IF\073
  IF TG_OP IN (''UPDATE'', ''DELETE'') THEN
    SELECT c."userId", c.provider INTO owner, prov FROM "Connection" c WHERE c.id = OLD."connectionId"\073
    IF FOUND THEN
      UPDATE "SyncActivityDay" SET jobs = jobs - 1, records = records - OLD."recordsProcessed"
      WHERE "organizationId" = OLD."organizationId" AND day = (OLD."startedAt" AT TIME ZONE ''UTC'')::date
        AND "userId" = owner AND provider = prov AND status = OLD.status\073
    END IF\073
  END IF\073
  IF TG_OP IN (''INSERT'', ''UPDATE'') THEN
    SELECT c."userId", c.provider INTO owner, prov FROM "Connection" c WHERE c.id = NEW."connectionId"\073
    IF FOUND THEN
      INSERT INTO "SyncActivityDay" ("organizationId", day, "userId", provider, status, jobs, records)
      VALUES (NEW."organizationId", (NEW."startedAt" AT TIME ZONE ''UTC'')::date, owner, prov, NEW.status, 1, NEW."recordsProcessed")
      ON CONFLICT ("organizationId", day, "userId", provider, status)
      DO UPDATE SET jobs = "SyncActivityDay".jobs + 1, records = "SyncActivityDay".records + EXCLUDED.records\073
    END IF\073
  END IF\073
  RETURN NULL\073
END\073
';

CREATE TRIGGER "SyncJob_activity" AFTER INSERT OR UPDATE OR DELETE ON "SyncJob"
  FOR EACH ROW EXECUTE FUNCTION atlas_sync_activity_job();

-- Deleting a connection takes its jobs out of the activity in one grouped statement, before the cascade
-- deletes the jobs themselves.
CREATE FUNCTION atlas_sync_activity_connection() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  UPDATE "SyncActivityDay" a SET jobs = a.jobs - g.jobs, records = a.records - g.records
  FROM (
    SELECT (j."startedAt" AT TIME ZONE ''UTC'')::date AS day, j.status, count(*)::int AS jobs, coalesce(sum(j."recordsProcessed"), 0)::int AS records
    FROM "SyncJob" j WHERE j."connectionId" = OLD.id GROUP BY 1, 2
  ) g
  WHERE a."organizationId" = OLD."organizationId" AND a.day = g.day AND a."userId" = OLD."userId"
    AND a.provider = OLD.provider AND a.status = g.status\073
  RETURN OLD\073
END\073
';

CREATE TRIGGER "Connection_activity" BEFORE DELETE ON "Connection"
  FOR EACH ROW EXECUTE FUNCTION atlas_sync_activity_connection();
