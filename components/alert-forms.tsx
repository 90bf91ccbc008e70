"use client";
// The Alerts page's forms: add a channel, test / turn on-off / remove one, and the alert settings.
import { startTransition, useState } from "react";
import { createChannelAction, deleteChannelAction, saveAlertSettingsAction, testChannelAction, toggleChannelAction } from "@/app/(app)/alerts/actions";
import { useFormAction } from "@/components/action-feedback";
import { ConfirmButton } from "@/components/confirm-dialog";

const input = "mt-1 rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm";
const label = "flex flex-col text-xs font-medium text-slate-700";
const small = "rounded border border-slate-300 px-2 py-0.5 text-xs font-medium hover:bg-slate-100 disabled:opacity-50";

export function AddChannelForm({ smtp }: { smtp: boolean }) {
  const [, action, pending] = useFormAction(createChannelAction);
  const [kind, setKind] = useState("SLACK");
  const placeholder = kind === "EMAIL" ? "oncall@example.com, lead@example.com" : kind === "SLACK" ? "https://hooks.slack.com/services/…" : "https://example.com/atlas-alerts";
  return (
    // After a successful add, React resets the form's fields (the select shows Slack again): the kind follows.
    <form action={action} onReset={() => setKind("SLACK")} className="space-y-2" data-testid="add-channel">
      <div className="flex flex-wrap items-end gap-3">
        <label className={label}>
          Kind
          <select name="kind" value={kind} onChange={(e) => setKind(e.target.value)} className={input}>
            <option value="SLACK">Slack incoming webhook</option>
            <option value="WEBHOOK">Webhook (HMAC-signed)</option>
            <option value="EMAIL" disabled={!smtp}>
              Email{smtp ? "" : " (set SMTP_URL first)"}
            </option>
          </select>
        </label>
        <label className={label}>
          Name
          <input required name="name" maxLength={100} className={`${input} w-40`} placeholder="On-call" />
        </label>
        <label className={`${label} min-w-0 flex-1`}>
          {kind === "EMAIL" ? "Email addresses" : "URL"}
          <input required name="target" className={`${input} w-full`} placeholder={placeholder} />
        </label>
        <button disabled={pending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
          Add channel
        </button>
      </div>
    </form>
  );
}

export function ChannelActions({ channelId, enabled, name }: { channelId: string; enabled: boolean; name: string }) {
  const [, test, testing] = useFormAction(testChannelAction);
  const [, toggle, toggling] = useFormAction(toggleChannelAction);
  const [, remove, removing] = useFormAction(deleteChannelAction);
  return (
    <div className="flex flex-col items-end gap-1">
      <div className="flex flex-wrap justify-end gap-2">
        <form action={test}>
          <input type="hidden" name="channelId" value={channelId} />
          <button disabled={testing || !enabled} className={small}>
            Send test
          </button>
        </form>
        <form action={toggle}>
          <input type="hidden" name="channelId" value={channelId} />
          <input type="hidden" name="enabled" value={enabled ? "0" : "1"} />
          <button disabled={toggling} className={small}>
            {enabled ? "Turn off" : "Turn on"}
          </button>
        </form>
        <ConfirmButton
          label="Remove"
          className={`${small} border-rose-300 text-rose-800 hover:bg-rose-50`}
          disabled={removing}
          title={`Remove the channel “${name}”?`}
          confirmLabel="Remove"
          onConfirm={() => {
            const form = new FormData();
            form.set("channelId", channelId);
            startTransition(() => remove(form));
          }}
        >
          <p>Alerts stop going to it. Its past deliveries stay in the log.</p>
        </ConfirmButton>
      </div>
    </div>
  );
}

export function AlertSettingsForm({ failureStreak, autoPauseAfter }: { failureStreak: number; autoPauseAfter: number | null }) {
  const [, action, pending] = useFormAction(saveAlertSettingsAction);
  return (
    <form action={action} className="space-y-2" data-testid="alert-settings">
      <div className="flex flex-wrap items-end gap-3">
        <label className={label}>
          Alert after this many failed syncs in a row
          <input type="number" name="failureStreak" min={1} max={100} required defaultValue={failureStreak} className={`${input} w-24`} />
        </label>
        <label className={label}>
          Pause the connection after (empty = never)
          <input type="number" name="autoPauseAfter" min={1} max={100} defaultValue={autoPauseAfter ?? ""} className={`${input} w-24`} />
        </label>
        <button disabled={pending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
          Save
        </button>
      </div>
    </form>
  );
}
