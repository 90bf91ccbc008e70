-- Atlas: what a maintenance run did, in words (the recovery task card).
ALTER TABLE "MaintenanceRun" ADD COLUMN "summary" TEXT;
