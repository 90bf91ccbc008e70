-- Atlas: an inserted SyncJob keeps the progressAt it is given (a restored backup stays row for row, and a
-- new job gets the column default, now). Only updates move it, when the status, the count or the cursor
-- changes. The body is an escape string with \073 for each semicolon: the migration runner splits
-- statements on semicolons without reading quotes.
CREATE OR REPLACE FUNCTION "SyncJob_progress_at"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status
     OR NEW."recordsProcessed" IS DISTINCT FROM OLD."recordsProcessed"
     OR NEW.cursor IS DISTINCT FROM OLD.cursor THEN
    NEW."progressAt" := now()\073
  END IF\073
  RETURN NEW\073
END\073
';

DROP TRIGGER "SyncJob_progress_at" ON "SyncJob";
CREATE TRIGGER "SyncJob_progress_at" BEFORE UPDATE ON "SyncJob"
  FOR EACH ROW EXECUTE FUNCTION "SyncJob_progress_at"();
