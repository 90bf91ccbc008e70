-- CreateEnum
CREATE TYPE "AlertChannelKind" AS ENUM ('SLACK', 'WEBHOOK', 'EMAIL');

-- CreateEnum
CREATE TYPE "AlertProblemStatus" AS ENUM ('OPEN', 'RESOLVED');

-- CreateEnum
CREATE TYPE "AlertDeliveryStatus" AS ENUM ('PENDING', 'SENT', 'FAILED');

-- AlterTable
ALTER TABLE "SyncJob" ADD COLUMN     "progressAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "actorId" TEXT,
    "actorLabel" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "targetLabel" TEXT,
    "before" JSONB,
    "after" JSONB,
    "details" JSONB,
    "requestId" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertChannel" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "kind" "AlertChannelKind" NOT NULL,
    "name" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "secret" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertChannel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertSettings" (
    "organizationId" TEXT NOT NULL,
    "failureStreak" INTEGER NOT NULL DEFAULT 3,
    "autoPauseAfter" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AlertSettings_pkey" PRIMARY KEY ("organizationId")
);

-- CreateTable
CREATE TABLE "AlertProblem" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subjectId" TEXT NOT NULL,
    "status" "AlertProblemStatus" NOT NULL,
    "summary" TEXT NOT NULL,
    "details" JSONB,
    "openedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "AlertProblem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "problemId" TEXT,
    "event" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "status" "AlertDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "AlertDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AuditEvent_organizationId_at_id_idx" ON "AuditEvent"("organizationId", "at", "id");

-- CreateIndex
CREATE INDEX "AuditEvent_organizationId_action_at_idx" ON "AuditEvent"("organizationId", "action", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_organizationId_actorId_at_idx" ON "AuditEvent"("organizationId", "actorId", "at");

-- CreateIndex
CREATE INDEX "AlertChannel_organizationId_idx" ON "AlertChannel"("organizationId");

-- CreateIndex
CREATE INDEX "AlertProblem_organizationId_status_idx" ON "AlertProblem"("organizationId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "AlertProblem_organizationId_kind_subjectId_key" ON "AlertProblem"("organizationId", "kind", "subjectId");

-- CreateIndex
CREATE INDEX "AlertDelivery_channelId_createdAt_idx" ON "AlertDelivery"("channelId", "createdAt");

-- CreateIndex
CREATE INDEX "AlertDelivery_status_createdAt_idx" ON "AlertDelivery"("status", "createdAt");

-- CreateIndex
CREATE INDEX "SyncJob_status_progressAt_idx" ON "SyncJob"("status", "progressAt");

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertChannel" ADD CONSTRAINT "AlertChannel_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertSettings" ADD CONSTRAINT "AlertSettings_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDelivery" ADD CONSTRAINT "AlertDelivery_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "AlertChannel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDelivery" ADD CONSTRAINT "AlertDelivery_problemId_fkey" FOREIGN KEY ("problemId") REFERENCES "AlertProblem"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- Atlas: SyncJob.progressAt follows every writer (ingestion, recovery, retries, webhooks, scripts): a
-- trigger rather than each UPDATE remembering it. A new row starts with its start time (a demo or
-- imported job that began an hour ago has not moved for an hour), an update moves it when the status,
-- the count or the cursor changes. No semicolons or quote characters in these comments: the migration
-- runner splits statements without reading comments.
UPDATE "SyncJob" SET "progressAt" = COALESCE("completedAt", "startedAt");

-- The body is an escape string with \073 for each semicolon, for the same reason.
CREATE FUNCTION "SyncJob_progress_at"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP = ''INSERT'' THEN
    NEW."progressAt" := COALESCE(NEW."completedAt", NEW."startedAt")\073
  ELSIF NEW.status IS DISTINCT FROM OLD.status
     OR NEW."recordsProcessed" IS DISTINCT FROM OLD."recordsProcessed"
     OR NEW.cursor IS DISTINCT FROM OLD.cursor THEN
    NEW."progressAt" := now()\073
  END IF\073
  RETURN NEW\073
END\073
';

CREATE TRIGGER "SyncJob_progress_at" BEFORE INSERT OR UPDATE ON "SyncJob"
  FOR EACH ROW EXECUTE FUNCTION "SyncJob_progress_at"();
