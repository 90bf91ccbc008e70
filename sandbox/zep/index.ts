export { startZepSandbox } from "./server";
export type { ZepSandbox, ZepSandboxFault, ZepSandboxOptions, SandboxEpisode, SandboxEdge, SandboxGraph, SandboxRequest } from "./server";
export { deriveFacts } from "./facts";
