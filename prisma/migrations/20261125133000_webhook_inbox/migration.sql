-- The webhook inbox: the route stores each signed delivery (raw bytes) as RECEIVED, and a worker applies it.

-- AlterEnum
ALTER TYPE "WebhookOutcome" ADD VALUE 'RECEIVED';

-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "appliedAt" TIMESTAMP(3),
ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "lastError" TEXT,
ADD COLUMN     "rawBody" BYTEA,
ADD COLUMN     "replayOf" TEXT,
ADD COLUMN     "retryAt" TIMESTAMP(3),
ADD COLUMN     "seq" BIGSERIAL NOT NULL;

-- CreateIndex
CREATE INDEX "WebhookDelivery_outcome_seq_idx" ON "WebhookDelivery"("outcome", "seq");

-- CreateIndex
CREATE INDEX "WebhookDelivery_connectionId_seq_idx" ON "WebhookDelivery"("connectionId", "seq");
