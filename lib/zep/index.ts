// The one entry point for Zep in Atlas: import from "@/lib/zep", never from @getzep/zep-cloud directly.
import "server-only";
export { graphIdFor } from "./graph-id";
export { KeyedSerializer } from "./serialize";
export {
  zepClient,
  zepClientFromEnv,
  newZepClient,
  ZepConfigError,
  ZepCallError,
  withRetry,
  ensureGraph,
  writeEpisode,
  deleteEpisode,
  findEpisodeByKey,
  searchGraph,
  MAX_EPISODE_CHARS,
  MAX_METADATA_KEYS,
} from "./zep";
export type {
  ZepErrorCode,
  ZepErrorEntry,
  RetryPolicy,
  ZepCallOptions,
  EpisodeInput,
  EpisodeMetadata,
  GraphFact,
  GraphEpisodeHit,
  GraphSearchResult,
} from "./zep";
