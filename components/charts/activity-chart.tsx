"use client";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

type Day = { day: string; completed: number; failed: number; running: number };

/** Sync jobs per day by outcome (stacked bars), on one axis that counts jobs. Records are told in numbers beside it. */
export function ActivityChart({ days, label }: { days: Day[]; label: string }) {
  const data = days.map((d) => ({ ...d, name: d.day.slice(5) }));
  return (
    <div className="h-64 w-full" role="img" aria-label={label}>
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" tick={{ fontSize: 11 }} interval="preserveStartEnd" minTickGap={16} />
          <YAxis
            allowDecimals={false}
            tick={{ fontSize: 11 }}
            width={44}
            label={{ value: "Jobs", angle: -90, position: "insideLeft", offset: 8, style: { fontSize: 11, fill: "#475569" } }}
          />
          <Tooltip labelFormatter={(name) => `Day ${name}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="completed" name="Completed" stackId="j" fill="#059669" />
          <Bar dataKey="failed" name="Failed" stackId="j" fill="#e11d48" />
          <Bar dataKey="running" name="Running" stackId="j" fill="#0284c7" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
