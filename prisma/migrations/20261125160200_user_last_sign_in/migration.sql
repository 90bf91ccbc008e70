-- Atlas: when each person last signed in (Auth.js's signIn event writes it). Null means an invitation that
-- was never used: the People page lists those as pending.
ALTER TABLE "User" ADD COLUMN "lastSignInAt" TIMESTAMP(3);

-- People who were here before this column existed and have left a trace (a connection they made, a change
-- they made) have signed in. Their latest trace is the latest moment known to be inside a session, so it is
-- a lower bound of their last sign-in, not a guess. Everyone else stays pending until they sign in.
UPDATE "User" u SET "lastSignInAt" = trace.at
FROM (
  SELECT who, max(at) AS at FROM (
    SELECT "userId" AS who, "createdAt" AS at FROM "Connection"
    UNION ALL
    SELECT "actorId" AS who, at FROM "AuditEvent" WHERE "actorId" IS NOT NULL
  ) traces GROUP BY who
) trace
WHERE trace.who = u.id;
