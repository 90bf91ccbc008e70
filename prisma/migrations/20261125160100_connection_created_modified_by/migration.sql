-- Who connected a connection and who changed it last, as the audit trail names actors: a user id (null for
-- Atlas itself) and a label kept as text, so it still reads after that user is removed. Null on rows from
-- before this column: unknown.
ALTER TABLE "Connection" ADD COLUMN "createdBy" TEXT,
  ADD COLUMN "createdByLabel" TEXT,
  ADD COLUMN "modifiedBy" TEXT,
  ADD COLUMN "modifiedByLabel" TEXT;
