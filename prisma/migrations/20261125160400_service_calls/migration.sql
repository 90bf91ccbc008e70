-- Atlas: when Nango and Zep last answered, and when a call to each last failed (issue 15, /api/ready).
-- One row per service, written by every process that calls it (lib/service-calls.ts).

-- CreateTable
CREATE TABLE "ServiceCall" (
    "service" TEXT NOT NULL,
    "lastSuccessAt" TIMESTAMP(3),
    "lastFailureAt" TIMESTAMP(3),
    "lastFailure" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ServiceCall_pkey" PRIMARY KEY ("service")
);
