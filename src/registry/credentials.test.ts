import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CredentialSources, resolveCredentials } from "./credentials.ts";
import { ConfigError } from "../errors.ts";
import { Logger } from "../log.ts";
import { openImageRegistry } from "./oci-registry.ts";
import { parseImageUrl } from "./url.ts";
import { envOf } from "../../test/_env.ts";

async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), "dewy-creds-"));
  try {
    await fn(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

async function writeConfig(home: string, config: unknown): Promise<void> {
  await mkdir(join(home, ".docker"), { recursive: true });
  await writeFile(
    join(home, ".docker", "config.json"),
    typeof config === "string" ? config : JSON.stringify(config),
  );
}

/** The credentials resolved for `host`, without the warnings. */
async function credentialsOf(host: string, sources: CredentialSources) {
  return (await resolveCredentials(host, sources)).credentials;
}

test("registry auth: DOCKER_USERNAME/DOCKER_PASSWORD win for any host", async () => {
  await withHome(async (home) => {
    await writeConfig(home, { auths: { "ghcr.io": { username: "cfg", password: "p" } } });
    const env = envOf({ DOCKER_USERNAME: "u", DOCKER_PASSWORD: "p1", GITHUB_TOKEN: "gh" });
    assert.deepEqual(await credentialsOf("ghcr.io", { env, homeDir: home }), {
      username: "u",
      password: "p1",
    });
  });
});

test("registry auth: GITHUB_TOKEN only for ghcr.io", async () => {
  await withHome(async (home) => {
    const env = envOf({ GITHUB_TOKEN: "gh" });
    assert.deepEqual(await credentialsOf("ghcr.io", { env, homeDir: home }), {
      username: "token",
      password: "gh",
    });
    assert.equal(await credentialsOf("127.0.0.1:5000", { env, homeDir: home }), undefined);
  });
});

test("registry auth: docker config auths by base64 auth and by username/password, keys normalised", async () => {
  await withHome(async (home) => {
    await writeConfig(home, {
      auths: {
        "https://index.docker.io/v1/": { auth: btoa("hubuser:hub:pass") },
        "http://127.0.0.1:5000": { username: "local", password: "pw" },
        "quay.io": {},
      },
    });
    const sources = { env: envOf({}), homeDir: home };
    assert.deepEqual(await credentialsOf("docker.io", sources), {
      username: "hubuser",
      password: "hub:pass",
    });
    assert.deepEqual(await credentialsOf("127.0.0.1:5000", sources), {
      username: "local",
      password: "pw",
    });
    assert.equal(
      await credentialsOf("quay.io", sources),
      undefined,
      "credsStore-style empty entry",
    );
    assert.equal(await credentialsOf("ghcr.io", sources), undefined);
  });
});

test("registry auth: DOCKER_CONFIG directory is honoured; a missing file is anonymous", async () => {
  await withHome(async (home) => {
    await writeConfig(home, { auths: { "ghcr.io": { auth: btoa("a:b") } } });
    const env = envOf({ DOCKER_CONFIG: join(home, ".docker") });
    assert.deepEqual(await credentialsOf("ghcr.io", { env, homeDir: "/nonexistent" }), {
      username: "a",
      password: "b",
    });
    assert.equal(
      await credentialsOf("ghcr.io", { env: envOf({}), homeDir: join(home, "nope") }),
      undefined,
    );
  });
});

test("registry auth: an unreadable docker config says to fix it or set DOCKER_CONFIG", async () => {
  await withHome(async (home) => {
    // A directory where the file should be fails to read even as root (EISDIR).
    const path = join(home, ".docker", "config.json");
    await mkdir(path, { recursive: true });
    await assert.rejects(
      resolveCredentials("ghcr.io", { env: envOf({}), homeDir: home }),
      (e: unknown) =>
        e instanceof ConfigError && e.flag === path &&
        e.message.startsWith(`cannot read ${path}: `) &&
        e.message.endsWith(
          "; fix its permissions or point DOCKER_CONFIG at a readable directory",
        ) && !e.message.includes("\n"),
    );
  });
});

test("registry auth: a broken docker config is a ConfigError naming the file", async () => {
  await withHome(async (home) => {
    await writeConfig(home, "{not json");
    const path = join(home, ".docker", "config.json");
    await assert.rejects(
      resolveCredentials("ghcr.io", { env: envOf({}), homeDir: home }),
      (e: unknown) =>
        e instanceof ConfigError && e.message.includes(path) &&
        e.message.includes("not valid JSON"),
    );
    await writeConfig(home, { auths: { "ghcr.io": { auth: btoa("nocolon") } } });
    await assert.rejects(
      resolveCredentials("ghcr.io", { env: envOf({}), homeDir: home }),
      (e: unknown) => e instanceof ConfigError && e.message.includes(`auths["ghcr.io"]`),
    );
  });
});

test("registry auth: half of DOCKER_USERNAME/DOCKER_PASSWORD is a warning, not silence", async () => {
  await withHome(async (home) => {
    await writeConfig(home, { auths: { "ghcr.io": { auth: btoa("cfg:p") } } });
    assert.deepEqual(
      await resolveCredentials("ghcr.io", { env: envOf({ DOCKER_USERNAME: "u" }), homeDir: home }),
      {
        credentials: { username: "cfg", password: "p" },
        warnings: [
          "DOCKER_USERNAME is set but DOCKER_PASSWORD is not, so neither is used: " +
          "set DOCKER_PASSWORD too, or unset DOCKER_USERNAME",
        ],
      },
    );
    const env = envOf({ DOCKER_USERNAME: "", DOCKER_PASSWORD: "p" });
    assert.deepEqual(await resolveCredentials("127.0.0.1:5000", { env, homeDir: home }), {
      credentials: undefined,
      warnings: [
        "DOCKER_PASSWORD is set but DOCKER_USERNAME is not, so neither is used: " +
        "set DOCKER_USERNAME too, or unset DOCKER_PASSWORD",
      ],
    });
  });
});

test("registry auth: a login kept by a credential helper is a warning naming the helper", async () => {
  await withHome(async (home) => {
    const path = join(home, ".docker", "config.json");
    await writeConfig(home, {
      auths: { "ghcr.io": {}, "quay.io": {}, "127.0.0.1:5000": { auth: btoa("a:b") } },
      credsStore: "desktop",
      credHelpers: { "123.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login" },
    });
    const sources = { env: envOf({}), homeDir: home };
    const instead =
      `and dewy does not run credential helpers: set DOCKER_USERNAME/DOCKER_PASSWORD, ` +
      `or point DOCKER_CONFIG at a directory whose config.json has an "auth" for`;
    assert.deepEqual(await resolveCredentials("ghcr.io", sources), {
      credentials: undefined,
      warnings: [
        `${path}: the login for ghcr.io is kept by docker-credential-desktop (credsStore), ` +
        `${instead} ghcr.io`,
      ],
    });
    const ecr = "123.dkr.ecr.eu-west-1.amazonaws.com";
    assert.deepEqual((await resolveCredentials(ecr, sources)).warnings, [
      `${path}: the login for ${ecr} is kept by docker-credential-ecr-login ` +
      `(credHelpers["${ecr}"]), ${instead} ${ecr}`,
    ]);
    // A registry never logged in to, and one with its auth inline, are no warning.
    assert.deepEqual(await resolveCredentials("docker.io", sources), {
      credentials: undefined,
      warnings: [],
    });
    assert.deepEqual((await resolveCredentials("127.0.0.1:5000", sources)).warnings, []);
    // Without a credsStore, an entry without credentials is a stale login.
    await writeConfig(home, { auths: { "quay.io": {} } });
    assert.deepEqual((await resolveCredentials("quay.io", sources)).warnings, [
      `${path}: auths["quay.io"] has no "auth" or username/password: run docker login quay.io ` +
      "again, or set DOCKER_USERNAME/DOCKER_PASSWORD",
    ]);
  });
});

test("registry auth: the original Dewy's AWS_ECR_PASSWORD and GCR_TOKEN are warned about for their registries", async () => {
  await withHome(async (home) => {
    const env = envOf({ AWS_ECR_PASSWORD: "ecr", GCR_TOKEN: "{}" });
    const warningsOf = async (host: string) =>
      (await resolveCredentials(host, { env, homeDir: home })).warnings;
    assert.deepEqual(await warningsOf("123.dkr.ecr.eu-west-1.amazonaws.com"), [
      "AWS_ECR_PASSWORD is not read by dewy (only the original Dewy used it): " +
      "set DOCKER_USERNAME=AWS and DOCKER_PASSWORD to its value instead",
    ]);
    assert.deepEqual(await warningsOf("europe-docker.pkg.dev"), [
      "GCR_TOKEN is not read by dewy (only the original Dewy used it): " +
      "set DOCKER_USERNAME=_json_key and DOCKER_PASSWORD to its value instead",
    ]);
    assert.deepEqual(await warningsOf("ghcr.io"), []);
    const withPair = envOf({
      AWS_ECR_PASSWORD: "ecr",
      DOCKER_USERNAME: "AWS",
      DOCKER_PASSWORD: "x",
    });
    assert.deepEqual(
      await resolveCredentials("1.dkr.ecr.us-east-1.amazonaws.com", {
        env: withPair,
        homeDir: home,
      }),
      { credentials: { username: "AWS", password: "x" }, warnings: [] },
    );
  });
});

test("registry auth: openImageRegistry logs each credential warning once on its logger", async () => {
  await withHome(async (home) => {
    const lines: string[] = [];
    const logger = new Logger({ level: "info", format: "json", write: (line) => lines.push(line) });
    const registry = await openImageRegistry(parseImageUrl("img://127.0.0.1:5000/app"), {
      sources: { env: envOf({ DOCKER_USERNAME: "u" }), homeDir: home },
      logger,
    });
    assert.equal(registry.pullAuth(), undefined);
    assert.equal(lines.length, 1, lines.join("\n"));
    const record = JSON.parse(lines[0]);
    assert.equal(record.level, "WARN");
    assert.equal(record.msg, "Registry credentials not used");
    assert.equal(record.registry, "127.0.0.1:5000");
    assert.match(record.reason, /^DOCKER_USERNAME is set but DOCKER_PASSWORD is not/);
  });
});
