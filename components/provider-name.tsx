const NAMES: Record<string, string> = { GITHUB: "GitHub", NOTION: "Notion", JIRA: "Jira", SLACK: "Slack", LINEAR: "Linear" };
const DOTS: Record<string, string> = { GITHUB: "bg-slate-900", NOTION: "bg-stone-500", JIRA: "bg-blue-600", SLACK: "bg-fuchsia-700", LINEAR: "bg-indigo-500" };

export const providerName = (p: string) => NAMES[p] ?? p.charAt(0) + p.slice(1).toLowerCase();

export function ProviderName({ provider }: { provider: string }) {
  return (
    <span className="inline-flex items-center gap-2 font-medium">
      <span aria-hidden className={`h-2.5 w-2.5 rounded-full ${DOTS[provider] ?? "bg-slate-400"}`} />
      {providerName(provider)}
    </span>
  );
}
