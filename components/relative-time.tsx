"use client";
// Dates in the viewer's own locale and time zone, with a relative time ("3 hours ago"). The server
// renders the ISO date; the browser replaces it after hydration (it knows the locale and zone).
import { useEffect, useState } from "react";

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 31_536_000_000],
  ["month", 2_592_000_000],
  ["week", 604_800_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

export function relative(date: Date, now = Date.now(), locale?: string): string {
  const diff = date.getTime() - now;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, ms] of UNITS) if (Math.abs(diff) >= ms) return rtf.format(Math.round(diff / ms), unit);
  return rtf.format(Math.round(diff / 1000), "second");
}

export function RelativeTime({ date, fallback = "never" }: { date: Date | string | null | undefined; fallback?: string }) {
  const [text, setText] = useState<{ rel: string; abs: string } | null>(null);
  const iso = date ? new Date(date).toISOString() : null;
  useEffect(() => {
    if (!iso) return;
    const d = new Date(iso);
    // eslint-disable-next-line react-hooks/set-state-in-effect -- on purpose: the locale and zone exist only in the browser, after hydration
    setText({ rel: relative(d), abs: d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "long" }) });
  }, [iso]);
  if (!iso) return <span className="text-slate-600">{fallback}</span>;
  // The relative time reads fast; the exact time, in the viewer's zone, is on hover (UTC until the browser knows the zone).
  const utc = `${iso.slice(0, 16).replace("T", " ")} UTC`;
  return (
    <time dateTime={iso} title={text?.abs ?? utc} className="cursor-help underline decoration-slate-300 decoration-dotted underline-offset-2">
      {text?.rel ?? utc}
    </time>
  );
}

export function Duration({ from, to }: { from: Date | string; to: Date | string | null }) {
  if (!to) return <span className="text-slate-600">running</span>;
  const s = Math.max(0, Math.round((new Date(to).getTime() - new Date(from).getTime()) / 1000));
  const text = s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return <span>{text}</span>;
}
