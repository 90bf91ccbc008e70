"use server";
import { z } from "zod";
import { defineFormAction } from "@/lib/actions";
import { replayDelivery } from "@/lib/nango/webhooks";

export const replayWebhookAction = defineFormAction(
  "replayWebhook",
  { input: z.object({ id: z.string().min(1).max(100) }), role: "ADMIN", revalidate: ({ id }) => ["/webhooks", `/webhooks/${id}`] },
  async (viewer, { id }) => {
    await replayDelivery(viewer, id);
    return { message: "Stored again and queued: it is applied in a moment (a webhook already applied comes out as a duplicate and changes nothing)." };
  },
);
