"use client";
import { providerName } from "@/components/provider-name";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

type Row = { provider: string; ACTIVE: number; INACTIVE: number; ERROR: number; EXPIRED: number };

export function ConnectionsChart({ rows }: { rows: Row[] }) {
  const data = rows.map((r) => ({ ...r, name: providerName(r.provider) }));
  return (
    <div className="h-56 w-full" role="img" aria-label="Connections by provider and status">
      <ResponsiveContainer>
        <BarChart data={data} margin={{ top: 8, right: 8, left: -16, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" tick={{ fontSize: 12 }} />
          <YAxis allowDecimals={false} tick={{ fontSize: 12 }} />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="ACTIVE" name="Active" stackId="s" fill="#059669" />
          <Bar dataKey="ERROR" name="Error" stackId="s" fill="#e11d48" />
          <Bar dataKey="EXPIRED" name="Expired" stackId="s" fill="#d97706" />
          <Bar dataKey="INACTIVE" name="Inactive" stackId="s" fill="#94a3b8" />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
