-- Atlas: rebuilding a connection's knowledge from Nango (issue 11, point 6). One row per rebuild of one
-- connection, with its progress, so the page, the worker and a cancel read the same truth.

-- CreateEnum
CREATE TYPE "KnowledgeRebuildStatus" AS ENUM ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "KnowledgeRebuild" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "projectKey" TEXT NOT NULL,
    "status" "KnowledgeRebuildStatus" NOT NULL DEFAULT 'PENDING',
    "activeKey" TEXT,
    "requestedBy" TEXT,
    "modelIndex" INTEGER NOT NULL DEFAULT 0,
    "cursor" TEXT,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "records" INTEGER NOT NULL DEFAULT 0,
    "written" INTEGER NOT NULL DEFAULT 0,
    "skipped" INTEGER NOT NULL DEFAULT 0,
    "deleted" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "progressAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "KnowledgeRebuild_pkey" PRIMARY KEY ("id"),
    -- activeKey is the connection while the rebuild is queued or running, and null otherwise: its unique
    -- index then allows one active rebuild per connection, whoever asks and however often.
    CONSTRAINT "KnowledgeRebuild_activeKey_check" CHECK (
        ("status" IN ('PENDING', 'RUNNING') AND "activeKey" = "connectionId")
        OR ("status" NOT IN ('PENDING', 'RUNNING') AND "activeKey" IS NULL))
);

-- CreateIndex
CREATE UNIQUE INDEX "KnowledgeRebuild_activeKey_key" ON "KnowledgeRebuild"("activeKey");

-- CreateIndex
CREATE INDEX "KnowledgeRebuild_connectionId_createdAt_idx" ON "KnowledgeRebuild"("connectionId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "KnowledgeRebuild_organizationId_status_idx" ON "KnowledgeRebuild"("organizationId", "status");

-- AddForeignKey
ALTER TABLE "KnowledgeRebuild" ADD CONSTRAINT "KnowledgeRebuild_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnowledgeRebuild" ADD CONSTRAINT "KnowledgeRebuild_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
