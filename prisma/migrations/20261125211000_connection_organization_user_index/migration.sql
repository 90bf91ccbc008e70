-- A member's connections, as every member-scoped statement selects them (organization and owner): with
-- only the single-column indexes PostgreSQL scanned the whole Connection table for a member's error codes.
CREATE INDEX "Connection_organizationId_userId_idx" ON "Connection"("organizationId", "userId");
