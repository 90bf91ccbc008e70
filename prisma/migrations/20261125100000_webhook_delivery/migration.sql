-- CreateEnum
CREATE TYPE "WebhookOutcome" AS ENUM ('APPLIED', 'DUPLICATE', 'IGNORED', 'REJECTED');

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "type" TEXT,
    "connectionId" TEXT,
    "outcome" "WebhookOutcome" NOT NULL,
    "reason" TEXT,
    "bodyHash" TEXT NOT NULL,
    "payload" JSONB,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WebhookDelivery_connectionId_bodyHash_idx" ON "WebhookDelivery"("connectionId", "bodyHash");

-- CreateIndex
CREATE INDEX "WebhookDelivery_receivedAt_idx" ON "WebhookDelivery"("receivedAt");
