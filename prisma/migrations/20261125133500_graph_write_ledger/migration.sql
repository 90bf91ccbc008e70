-- CreateEnum
CREATE TYPE "GraphWriteStatus" AS ENUM ('PENDING', 'WRITTEN', 'DELETED', 'FAILED');

-- CreateTable
CREATE TABLE "GraphWrite" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "projectKey" TEXT NOT NULL,
    "graphId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "recordId" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "chunkCount" INTEGER NOT NULL,
    "episodeUuids" TEXT[],
    "status" "GraphWriteStatus" NOT NULL,
    "errorCode" TEXT,
    "error" TEXT,
    "uncertain" BOOLEAN NOT NULL DEFAULT false,
    "title" TEXT,
    "url" TEXT,
    "syncJobId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GraphWrite_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "GraphWrite_organizationId_status_updatedAt_idx" ON "GraphWrite"("organizationId", "status", "updatedAt");

-- CreateIndex
CREATE INDEX "GraphWrite_connectionId_idx" ON "GraphWrite"("connectionId");

-- CreateIndex
CREATE INDEX "GraphWrite_episodeUuids_idx" ON "GraphWrite" USING GIN ("episodeUuids");

-- CreateIndex
CREATE UNIQUE INDEX "GraphWrite_graphId_connectionId_model_recordId_key" ON "GraphWrite"("graphId", "connectionId", "model", "recordId");
