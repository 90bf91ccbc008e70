// An admin replays a delivery: its exact body is stored again as a new delivery (replayOf the first) and
// applied by the inbox worker like any other. Replaying is idempotent: a webhook already applied comes out
// DUPLICATE and changes nothing; one that was ignored or refused before is applied if it now can be.
import "server-only";
import { randomUUID } from "node:crypto";
import { prisma } from "@/lib/db/client";
import { webhookDeliveriesOf, type Scope } from "@/lib/data/scope";
import { InvalidError, NotFoundError } from "@/lib/errors";
import { wakeInbox } from "./wake";

export async function replayDelivery(scope: Pick<Scope, "organizationId">, deliveryId: string): Promise<{ id: string }> {
  const original = await prisma.webhookDelivery.findFirst({
    where: { id: deliveryId, ...webhookDeliveriesOf(scope) },
    select: { id: true, rawBody: true, bodyHash: true, type: true, connectionId: true, organizationId: true },
  });
  if (!original) throw new NotFoundError("This webhook delivery does not exist, or is not about your organization.");
  if (!original.rawBody) throw new InvalidError("This delivery was logged before Atlas kept webhook bodies; it cannot be replayed.");
  const id = randomUUID();
  await prisma.webhookDelivery.create({
    data: {
      id,
      outcome: "RECEIVED",
      rawBody: original.rawBody,
      bodyHash: original.bodyHash,
      type: original.type,
      connectionId: original.connectionId,
      organizationId: original.organizationId,
      replayOf: original.id,
    },
  });
  wakeInbox();
  return { id };
}
