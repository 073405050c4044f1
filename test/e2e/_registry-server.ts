/**
 * A real Debian `docker-registry` (distribution 2.8) for tests: started on a free 127.0.0.1
 * port with its own config and filesystem storage in a temp dir, plain or with htpasswd
 * (bcrypt, `htpasswd -Bbn`) or bearer-token auth (a token server in this process signing
 * RS256 JWTs whose `x5c` header carries a self-signed certificate made with `openssl`, the
 * registry's `rootcertbundle`). Tags are pushed straight through the registry HTTP API
 * (config blob + one layer + a v2 manifest per tag), no container engine needed.
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash, createSign, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { Buffer } from "node:buffer";
import { runtime } from "../_runtime.ts";
import type { HttpServer } from "../../src/runtime/types.ts";
import { freePort } from "./_prometheus.ts";
import { expectStatus, putManifest, uploadBlob } from "./_oci-push.ts";

/** The registry binary (override with `DOCKER_REGISTRY_BIN`). */
export const REGISTRY_BIN = process.env.DOCKER_REGISTRY_BIN ?? "/usr/bin/docker-registry";
/** The test user the auth modes accept. */
export const USER = { username: "dewy", password: "s3cret-pw" };
const SERVICE = "dewy-test-registry";
const ISSUER = "dewy-test-issuer";
const MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";

/** How the registry authenticates. */
export type RegistryAuthMode = "none" | "htpasswd" | "token";

/** A running test registry. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`, the host part of `img://` URLs. */
  host: string;
  /** Requests the token server answered (token mode), with their query strings. */
  tokenRequests: string[];
  /** Push `tags` of `repository`, each with its own config blob; resolves with each tag's manifest digest. */
  push(repository: string, tags: string[]): Promise<Record<string, string>>;
  /** Upload `bytes` as a blob of `repository`; resolves with its digest. */
  putBlob(repository: string, bytes: Uint8Array): Promise<string>;
  /** Put `bytes` as manifest `reference` of `repository` (OCI manifest unless `mediaType`). */
  putManifest(
    repository: string,
    reference: string,
    bytes: Uint8Array,
    mediaType?: string,
  ): Promise<string>;
  /** Stop the registry (and token server) and remove its files. Idempotent. */
  stop(): Promise<void>;
}

function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function b64url(data: string | Uint8Array): string {
  return Buffer.from(data).toString("base64url");
}

/** A token server granting whatever is asked to {@link USER}, signing with `key`/`cert`. */
async function startTokenServer(
  keyPem: string,
  certPem: string,
  log: string[],
): Promise<HttpServer> {
  const x5c = certPem.replace(/-----[^-]+-----|\s/g, "");
  return await runtime.serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => {
      const url = new URL(request.url);
      log.push(url.search);
      if (
        request.headers.get("authorization") !==
          `Basic ${btoa(`${USER.username}:${USER.password}`)}`
      ) {
        return Response.json({ details: "bad credentials" }, { status: 401 });
      }
      const access = url.searchParams.getAll("scope").map((scope) => {
        const [type, ...rest] = scope.split(":");
        const actions = rest.pop()!.split(",");
        return { type, name: rest.join(":"), actions };
      });
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ typ: "JWT", alg: "RS256", x5c: [x5c] }));
      const claims = b64url(JSON.stringify({
        iss: ISSUER,
        sub: USER.username,
        aud: url.searchParams.get("service"),
        exp: now + 300,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      }));
      const signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(keyPem);
      return Response.json({ token: `${header}.${claims}.${b64url(signature)}`, expires_in: 300 });
    },
  });
}

function authYaml(mode: RegistryAuthMode, dir: string, tokenPort: number): string[] {
  if (mode === "htpasswd") {
    const line = execFileSync("htpasswd", ["-Bbn", USER.username, USER.password], {
      encoding: "utf8",
    });
    writeFileSync(join(dir, "htpasswd"), line.trim() + "\n");
    return ["auth:", "  htpasswd:", "    realm: dewy-test", `    path: ${join(dir, "htpasswd")}`];
  }
  if (mode === "token") {
    return [
      "auth:",
      "  token:",
      `    realm: http://127.0.0.1:${tokenPort}/token`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${join(dir, "cert.pem")}`,
    ];
  }
  return [];
}

async function waitUntilUp(base: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`docker-registry exited ${child.exitCode}: ${output()}`);
    }
    try {
      const response = await fetch(`${base}/v2/`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer on ${base} within 15 s: ${output()}`);
}

/** Start a registry in `mode`; stop it in `finally`. */
export async function startRegistry(mode: RegistryAuthMode = "none"): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "dewy-registry-"));
  const tokenRequests: string[] = [];
  let token: HttpServer | undefined;
  let child: ChildProcess | undefined;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child!.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await token?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (mode === "token") {
      execFileSync("openssl", [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=dewy-test-token",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ], { stdio: "ignore" });
      const keyPem = readFileSync(join(dir, "key.pem"), "utf8");
      token = await startTokenServer(
        keyPem,
        readFileSync(join(dir, "cert.pem"), "utf8"),
        tokenRequests,
      );
    }
    const port = await freePort();
    writeFileSync(
      join(dir, "config.yml"),
      [
        "version: 0.1",
        "log: {level: error, accesslog: {disabled: true}}",
        "storage:",
        `  filesystem: {rootdirectory: ${join(dir, "data")}}`,
        "  delete: {enabled: true}",
        `http: {addr: "127.0.0.1:${port}"}`,
        ...authYaml(mode, dir, token?.port ?? 0),
        "",
      ].join("\n"),
    );
    let output = "";
    child = spawn(REGISTRY_BIN, ["serve", join(dir, "config.yml")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    child.on("error", (error) => collect(Buffer.from(String(error))));
    const base = `http://127.0.0.1:${port}`;
    await waitUntilUp(base, child, () => output);
    const authorization = await pushAuthorization(mode, base);
    const headersFor = async (repo: string): Promise<Record<string, string>> => {
      const auth = await authorization(repo);
      return auth ? { authorization: auth } : {};
    };
    return {
      host: `127.0.0.1:${port}`,
      tokenRequests,
      push: (repository, tags) => pushTags(base, repository, tags, authorization),
      putBlob: async (repository, bytes) =>
        uploadBlob(base, repository, bytes, await headersFor(repository)),
      putManifest: async (repository, reference, bytes, mediaType) =>
        putManifest(base, repository, reference, bytes, mediaType, await headersFor(repository)),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The Authorization header pushes use: Basic for htpasswd, a push token for token mode. */
async function pushAuthorization(
  mode: RegistryAuthMode,
  base: string,
): Promise<(repo: string) => Promise<string | undefined>> {
  const basic = `Basic ${btoa(`${USER.username}:${USER.password}`)}`;
  if (mode === "none") return () => Promise.resolve(undefined);
  if (mode === "htpasswd") return () => Promise.resolve(basic);
  const challenge = await fetch(`${base}/v2/`);
  await challenge.body?.cancel();
  const realm = /realm="([^"]+)"/.exec(challenge.headers.get("www-authenticate") ?? "")![1];
  return async (repo) => {
    const url = `${realm}?service=${SERVICE}&scope=repository:${repo}:pull,push`;
    const body = await (await fetch(url, { headers: { authorization: basic } })).json() as {
      token: string;
    };
    return `Bearer ${body.token}`;
  };
}

async function pushTags(
  base: string,
  repo: string,
  tags: string[],
  authorization: (repo: string) => Promise<string | undefined>,
): Promise<Record<string, string>> {
  const auth = await authorization(repo);
  const headers: Record<string, string> = auth ? { authorization: auth } : {};
  const layer = new TextEncoder().encode("dewy test layer");
  const layerDigest = await uploadBlob(base, repo, layer, headers);
  const digests: Record<string, string> = {};
  for (const tag of tags) {
    const config = new TextEncoder().encode(JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Labels: { tag, pushed: randomUUID() } },
      rootfs: { type: "layers", diff_ids: [layerDigest] },
    }));
    const configDigest = await uploadBlob(base, repo, config, headers);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_V2,
      config: {
        mediaType: "application/vnd.docker.container.image.v1+json",
        size: config.length,
        digest: configDigest,
      },
      layers: [{
        mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip",
        size: layer.length,
        digest: layerDigest,
      }],
    });
    const put = await fetch(`${base}/v2/${repo}/manifests/${tag}`, {
      method: "PUT",
      headers: { ...headers, "content-type": MANIFEST_V2 },
      body: manifest,
    });
    await (await expectStatus(put, 201, `push ${repo}:${tag}`)).body?.cancel();
    digests[tag] = sha256(manifest);
  }
  return digests;
}
