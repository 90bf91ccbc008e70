"use server";
// Admin-only Server Functions for alert channels and settings, written with lib/actions.ts.
import { z } from "zod";
import { defineFormAction } from "@/lib/actions";
import { channelInput, createChannel, deleteChannel, sendTestMessage, setChannelEnabled } from "@/lib/alerts/channels";
import { checkProblemsNow } from "@/lib/alerts/scan";
import { alertSettingsSchema, saveAlertSettings } from "@/lib/alerts/settings";

const admin = { role: "ADMIN" as const, revalidate: () => ["/alerts"] };
const channelId = z.object({ channelId: z.string().min(1).max(64) });

export const createChannelAction = defineFormAction("createAlertChannel", { ...admin, input: channelInput }, async (viewer, input) => {
  const channel = await createChannel(viewer, input);
  return { message: `Channel "${channel.name}" added. Send a test to check it.` };
});

export const testChannelAction = defineFormAction("testAlertChannel", { ...admin, input: channelId, invalid: "Choose a channel." }, async (viewer, { channelId }) => {
  await sendTestMessage(viewer, channelId);
  return { message: "Test message sent; its delivery is in the log below (failed attempts are retried)." };
});

export const toggleChannelAction = defineFormAction(
  "toggleAlertChannel",
  { ...admin, input: channelId.extend({ enabled: z.enum(["1", "0"]) }), invalid: "Choose a channel." },
  async (viewer, { channelId, enabled }) => {
    await setChannelEnabled(viewer, channelId, enabled === "1");
    return { message: enabled === "1" ? "Channel turned on." : "Channel turned off: it receives nothing until turned on." };
  },
);

export const deleteChannelAction = defineFormAction("deleteAlertChannel", { ...admin, input: channelId, invalid: "Choose a channel." }, async (viewer, { channelId }) => {
  await deleteChannel(viewer, channelId);
  return { message: "Channel removed, with its delivery log." };
});

export const saveAlertSettingsAction = defineFormAction("saveAlertSettings", { ...admin, input: alertSettingsSchema }, async (viewer, input) => {
  const saved = await saveAlertSettings(viewer, input);
  return {
    message: `Saved: alert after ${saved.failureStreak} failed syncs in a row; ${saved.autoPauseAfter ? `pause after ${saved.autoPauseAfter}` : "auto-pause off"}.`,
  };
});

export const checkNowAction = defineFormAction("checkAlertsNow", { ...admin, input: z.object({}) }, async (viewer) => {
  const r = await checkProblemsNow(viewer);
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  const parts = [`${count(r.opened, "problem")} opened`, `${r.resolved} resolved`, ...(r.autoPaused ? [`${count(r.autoPaused, "connection")} paused`] : [])];
  return { message: `Checked: ${parts.join(", ")}. Each channel gets one message per change.` };
});
