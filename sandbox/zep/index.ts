export { startZepSandbox } from "./server";
export type { ZepSandbox, ZepSandboxFault, ZepSandboxOptions, SandboxEpisode, SandboxGraph, SandboxRequest } from "./server";
