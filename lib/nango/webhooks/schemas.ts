// What Atlas reads from Nango's webhook bodies (only the fields it relies on; Nango may add more).
import { z } from "zod";
import type { Prisma, WebhookOutcome } from "@/lib/db/client";

const isoDate = z.iso.datetime({ offset: true });
const tags = z.record(z.string(), z.string());
const errorPayload = z.object({ type: z.string(), description: z.string() });
// Nango's connection ids are UUIDs or short names; longer cannot be one (and would not fit an index entry).
const connectionId = z.string().min(1).max(256);

export const authSchema = z.looseObject({
  type: z.literal("auth"),
  from: z.string(),
  connectionId,
  providerConfigKey: z.string().min(1),
  provider: z.string(),
  authMode: z.string().optional(),
  environment: z.string().optional(),
  operation: z.string(),
  success: z.boolean(),
  tags: tags.optional(),
  endUser: z
    .looseObject({
      endUserId: z.string().min(1),
      endUserEmail: z.string().nullish(),
      organizationId: z.string().nullish(),
      tags: tags.optional(),
    })
    .optional(),
  error: errorPayload.optional(),
});

const syncBase = {
  type: z.literal("sync"),
  from: z.string(),
  connectionId,
  providerConfigKey: z.string().min(1),
  syncName: z.string().min(1),
  syncVariant: z.string().optional(),
  // One model, or for a failure of a multi-model sync the names joined with commas ("Issue,PullRequest").
  model: z.string().min(1),
};
// Stored in int4 columns: a count beyond that is not one Nango sends.
export const MAX_COUNT = 2_147_483_647;
const count = z.number().int().min(0).max(MAX_COUNT);
export const syncSchema = z.discriminatedUnion("success", [
  z.looseObject({
    ...syncBase,
    success: z.literal(true),
    modifiedAfter: isoDate,
    queryTimeStamp: isoDate.nullish(),
    responseResults: z.looseObject({ added: count, updated: count, deleted: count }),
  }),
  // startedAt is the start of the previous *successful* run, not of this one; failedAt identifies the failure.
  z.looseObject({ ...syncBase, success: z.literal(false), error: errorPayload, startedAt: isoDate, failedAt: isoDate }),
]);

export type AuthWebhook = z.infer<typeof authSchema>;
export type SyncWebhook = z.infer<typeof syncSchema>;
export type Tx = Prisma.TransactionClient;

/** What applying a delivery came to. */
export type Applied = {
  outcome: Exclude<WebhookOutcome, "RECEIVED">;
  reason?: string;
  /** A SyncJob to hand to ingestion once the transaction has committed. */
  ingestJobId?: string;
  /** Whose delivery it is, when applying it already read the connection (saves the lookup). */
  organizationId?: string;
};

/** "path message; path message" for the log. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(body)"} ${i.message}`).join("; ");
}
