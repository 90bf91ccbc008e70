-- Deleting a connection subtracts its jobs' records per day: summed as int, a day past 2^31 made the delete
-- itself fail ("integer out of range"). Summed as bigint, as the rollup's columns are since 20261125212000.
CREATE OR REPLACE FUNCTION atlas_sync_activity_connection() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  INSERT INTO "SyncActivityDelta" ("organizationId", day, "userId", provider, status, jobs, records)
  SELECT OLD."organizationId", (j."startedAt" AT TIME ZONE ''UTC'')::date, OLD."userId", OLD.provider, j.status,
         -count(*)::int, -coalesce(sum(j."recordsProcessed"), 0)::bigint
  FROM "SyncJob" j WHERE j."connectionId" = OLD.id
  GROUP BY (j."startedAt" AT TIME ZONE ''UTC'')::date, j.status\073
  RETURN OLD\073
END\073
';
