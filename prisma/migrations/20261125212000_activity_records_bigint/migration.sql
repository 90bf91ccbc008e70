-- Records per day summed over an organization's jobs can pass 2^31 (each job's count is an int): the fold
-- then failed every minute with "integer out of range", and the dashboards' sums with it. Records are
-- bigint in the rollup, and its readers sum as float8 (exact to 2^53).
ALTER TABLE "SyncActivityDay" ALTER COLUMN "records" TYPE BIGINT;
ALTER TABLE "SyncActivityDelta" ALTER COLUMN "records" TYPE BIGINT;
