"use client";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

type Day = { day: string; completed: number; failed: number; running: number; records: number };

/** Jobs per day (completed vs failed, stacked bars) and records per day (line, right axis). */
export function ActivityChart({ days, label }: { days: Day[]; label: string }) {
  const data = days.map((d) => ({ ...d, name: d.day.slice(5) }));
  return (
    <div className="h-64 w-full" role="img" aria-label={label}>
      <ResponsiveContainer>
        <ComposedChart data={data} margin={{ top: 8, right: 0, left: -16, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" tick={{ fontSize: 11 }} interval="preserveStartEnd" minTickGap={16} />
          <YAxis yAxisId="jobs" allowDecimals={false} tick={{ fontSize: 11 }} />
          <YAxis yAxisId="records" orientation="right" tick={{ fontSize: 11 }} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar yAxisId="jobs" dataKey="completed" name="Completed jobs" stackId="j" fill="#059669" />
          <Bar yAxisId="jobs" dataKey="failed" name="Failed jobs" stackId="j" fill="#e11d48" />
          <Bar yAxisId="jobs" dataKey="running" name="Running jobs" stackId="j" fill="#0284c7" />
          <Line yAxisId="records" type="monotone" dataKey="records" name="Records" stroke="#4f46e5" strokeWidth={2} dot={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
