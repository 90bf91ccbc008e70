-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "organizationId" TEXT;

-- CreateIndex
CREATE INDEX "WebhookDelivery_organizationId_receivedAt_idx" ON "WebhookDelivery"("organizationId", "receivedAt");
