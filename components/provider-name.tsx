import { PROVIDER_TABLE } from "@/lib/nango/provider-table";

const DOTS: Record<string, string> = { GITHUB: "bg-slate-900", NOTION: "bg-stone-500", JIRA: "bg-blue-600", SLACK: "bg-fuchsia-700", LINEAR: "bg-indigo-500" };

/** The provider's label from the provider table (lib/nango/provider-table.ts). */
export const providerName = (p: string) => PROVIDER_TABLE[p as keyof typeof PROVIDER_TABLE]?.label ?? p.charAt(0) + p.slice(1).toLowerCase();

export function ProviderName({ provider }: { provider: string }) {
  return (
    <span className="inline-flex items-center gap-2 font-medium">
      <span aria-hidden className={`h-2.5 w-2.5 rounded-full ${DOTS[provider] ?? "bg-slate-400"}`} />
      {providerName(provider)}
    </span>
  );
}
