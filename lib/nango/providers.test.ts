import { describe, expect, it } from "vitest";
import { nangoSettings, NangoNotConfiguredError } from "./client";
import { testEnv } from "@/lib/test/env";
import { ALL_PROVIDERS, integrationIdFor, providerConfig, providerForIntegration } from "./providers";

describe("provider table", () => {
  it("defaults to Nango's template integration ids, syncs and models", () => {
    expect(ALL_PROVIDERS.map((p) => [p, providerConfig(p, testEnv()).integrationId, providerConfig(p, testEnv()).models])).toEqual([
      ["GITHUB", "github", ["Issue"]],
      ["NOTION", "notion", ["ContentMetadata"]],
      ["JIRA", "jira", ["Issue"]],
      ["SLACK", "slack", ["Message"]],
      ["LINEAR", "linear", ["LinearIssue"]],
    ]);
    expect(providerForIntegration("jira", testEnv())).toBe("JIRA");
    expect(providerForIntegration("gitlab", testEnv())).toBeNull();
  });

  it("takes integration ids, syncs and models from the environment", () => {
    const env = testEnv({ NANGO_INTEGRATION_GITHUB: "github-app", NANGO_MODELS_GITHUB: "GithubIssue, PullRequest", NANGO_SYNCS_SLACK: "messages" });
    expect(integrationIdFor("GITHUB", env)).toBe("github-app");
    expect(providerForIntegration("github-app", env)).toBe("GITHUB");
    expect(providerForIntegration("github", env)).toBeNull();
    expect(providerConfig("GITHUB", env).models).toEqual(["GithubIssue", "PullRequest"]);
    expect(providerConfig("SLACK", env).syncs).toEqual(["messages"]);
  });
});

describe("client settings", () => {
  it("requires the secret key and defaults the host to Nango Cloud", () => {
    expect(() => nangoSettings(testEnv())).toThrow(NangoNotConfiguredError);
    expect(nangoSettings(testEnv({ NANGO_SECRET_KEY: "sk" }))).toEqual({ host: "https://api.nango.dev", secretKey: "sk", webhookSigningKey: undefined });
  });
});
