/**
 * e2e: `dewy container --notifier slack://… --before-deploy-hook … --after-deploy-hook …`
 * against the real engine and registry of `engine-up.sh`, with a Slack-compatible server on
 * 127.0.0.1 (`SLACK_API_URL`). Checks the container-mode messages in order, the hooks'
 * `DEWY_*` environment, SIGUSR1/SIGTERM messages, and that a failing before-deploy hook
 * aborts the deploy with an error notification.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { dewyPorts } from "./_ship.ts";
import { runtimeName } from "../../src/runtime/detect.ts";
import { cliCommand } from "../_run-cli.ts";

const ENGINE_SOCK = process.env.ENGINE_SOCK;
const REGISTRY = process.env.TEST_REGISTRY ?? "127.0.0.1:5000";
const DOCKER = "/usr/bin/docker";

/** A chat.postMessage the fake Slack received. */
interface Post {
  text?: string;
  title?: string;
  color: string;
  fields?: { title: string; value: string }[];
}

/** The fake Slack API: every post's first attachment, in arrival order. */
interface FakeSlack {
  url: string;
  posts: Post[];
  close(): Promise<void>;
}

async function startSlack(): Promise<FakeSlack> {
  const posts: Post[] = [];
  const server = createServer((req, res) => {
    let data = "";
    req.on("data", (c) => data += c);
    req.on("end", () => {
      posts.push(JSON.parse(data).attachments[0]);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, ts: `1.${posts.length}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    posts,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Pushes `repo:v<version>` of the test app to the test registry. */
function pushApp(repo: string, version: string): void {
  execFileSync("bash", ["test/services/push-app.sh", repo, version], {
    stdio: ["ignore", "ignore", "pipe"],
  });
}

/** Removes every container dewy created for `app` (running or not). */
function removeContainers(app: string): void {
  const ids = managedContainers(app, true);
  if (ids.length > 0) execFileSync(DOCKER, ["rm", "-f", ...ids], { stdio: "ignore" });
}

/**
 * Untags the engine's local copies of `app`'s images, so dewy has to pull. By reference, not by
 * id: the same layers are tagged for other tests, whose containers may still use them.
 */
function removeImages(app: string): void {
  const format = "{{.Repository}} {{.Tag}} {{.Digest}}";
  const refs = execFileSync(DOCKER, [
    "images",
    "--digests",
    "--format",
    format,
    `${REGISTRY}/${app}`,
  ], {
    encoding: "utf8",
  }).split("\n").filter(Boolean).map((line) => {
    const [repo, tag, digest] = line.split(" ");
    return tag !== "<none>" ? `${repo}:${tag}` : `${repo}@${digest}`;
  });
  if (refs.length > 0) execFileSync(DOCKER, ["rmi", "-f", ...new Set(refs)], { stdio: "ignore" });
}

function managedContainers(app: string, all: boolean): string[] {
  const args = ["ps", "-q", ...(all ? ["-a"] : []), "--filter", `label=dewy.app=${app}`];
  return execFileSync(DOCKER, args, { encoding: "utf8" }).split("\n").filter(Boolean);
}

/** Starts `dewy container` on the runtime running this test; its log collects in `log`. */
function startDewy(args: string[], env: Record<string, string>, log: string[]): ChildProcess {
  const [bin, ...run] = cliCommand();
  const child = spawn(bin, [...run, "container", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (chunk) => log.push(String(chunk)));
  return child;
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Sends `sig` to the child by pid: Deno's `ChildProcess.kill` sends only the first signal
 * of a child's life, so SIGTERM after SIGUSR1 would be dropped.
 */
function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, sig);
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Runs `fn` with a fake Slack and a dewy for `app`, then stops dewy and removes its containers. */
async function withDewy(
  app: string,
  extraArgs: string[],
  fn: (ctx: { slack: FakeSlack; dewy: ChildProcess }) => Promise<void>,
): Promise<void> {
  assert.ok(
    ENGINE_SOCK,
    'ENGINE_SOCK is not set: run eval "$(bash test/services/engine-up.sh)" first',
  );
  pushApp(app, "1.0.0");
  removeImages(app);
  const slack = await startSlack();
  const ports = await dewyPorts();
  const args = [
    "--registry",
    `img://${REGISTRY}/${app}`,
    "--port",
    String(ports.port),
    "--admin-port",
    String(ports.adminPort),
    "--interval",
    "2",
    "--notifier",
    "slack://deploys",
    ...extraArgs,
  ];
  const log: string[] = [];
  const dewy = startDewy(args, { SLACK_TOKEN: "xoxb-e2e", SLACK_API_URL: slack.url }, log);
  try {
    await fn({ slack, dewy });
  } catch (error) {
    console.error(
      `dewy's log:\n${log.join("")}\nSlack posts: ${JSON.stringify(slack.posts.map(label))}`,
    );
    throw error;
  } finally {
    if (dewy.exitCode === null) {
      signal(dewy, "SIGKILL");
      await exited(dewy);
    }
    await slack.close(); // first: a failing clean-up below must not leave it listening
    removeContainers(app);
    removeImages(app);
  }
}

const label = (p: Post) => p.title ?? p.text ?? "";

/** A repository/app name of its own per run and runtime, so parallel runs never share containers. */
function uniqueApp(base: string): string {
  return `${base}-${runtimeName}-${Math.random().toString(36).slice(2, 8)}`;
}

test("notify e2e: a deploy posts start, pull, hooks with DEWY_* env, success, SIGUSR1 and stop", async () => {
  const app = uniqueApp("notify-e2e");
  await withDewy(
    app,
    [
      "--before-deploy-hook",
      'echo "before $DEWY_APP $DEWY_VERSION $DEWY_IMAGE"',
      "--after-deploy-hook",
      'echo "after $DEWY_VERSION"',
    ],
    async ({ slack, dewy }) => {
      const deployed = "Container deployed successfully: `1/1` replicas of `v1.0.0`";
      await waitFor(
        "the after-deploy hook result",
        () => slack.posts.find((p) => p.title === "After Deploy Hook"),
      );
      assert.match(
        label(slack.posts[0]),
        /^Automatic shipping started by \*Dewy\* \(v\d[^:]*: container\)$/,
      );
      assert.deepEqual(slack.posts.slice(1).map(label), [
        "Pulled image for `v1.0.0`",
        "Before Deploy Hook",
        deployed,
        "After Deploy Hook",
      ]);
      const before = slack.posts[2];
      assert.equal(before.color, "#36a64f");
      const stdout = before.fields?.find((f) => f.title === "Stdout")?.value ?? "";
      assert.match(
        stdout,
        new RegExp(`before ${app} v1\\.0\\.0 ${REGISTRY.replace(/\./g, "\\.")}/${app}`),
      );
      assert.match(
        slack.posts[4].fields?.find((f) => f.title === "Stdout")?.value ?? "",
        /after v1\.0\.0/,
      );
      assert.equal(managedContainers(app, false).length, 1);

      signal(dewy, "SIGUSR1");
      await waitFor(
        "the SIGUSR1 message",
        () => slack.posts.find((p) => p.text === "Restarted receiving by `SIGUSR1` signal"),
      );
      signal(dewy, "SIGTERM");
      const code = await waitFor("dewy to exit", () => dewy.exitCode ?? undefined, 60_000);
      assert.equal(code, 0);
      assert.equal(slack.posts.at(-1)?.text, "Stop receiving by `terminated` signal");
      assert.deepEqual(managedContainers(app, false), [], "shutdown removed the replicas");
    },
  );
});

test("notify e2e: a failing before-deploy hook aborts the deploy and sends an error", async () => {
  const app = uniqueApp("notify-e2e-fail");
  await withDewy(
    app,
    ["--before-deploy-hook", "echo cannot migrate >&2; exit 5"],
    async ({ slack }) => {
      const error = await waitFor(
        "the error notification",
        () => slack.posts.find((p) => p.text?.startsWith("Error occurred (count: 1): ")),
      );
      const hook = slack.posts.find((p) => p.title === "Before Deploy Hook");
      assert.equal(hook?.color, "#dd0000");
      assert.equal(hook?.fields?.find((f) => f.title === "Exit Code")?.value, "`5`");
      assert.match(hook?.fields?.find((f) => f.title === "Stderr")?.value ?? "", /cannot migrate/);
      assert.match(error.text ?? "", /before-deploy hook/);
      assert.equal(
        slack.posts.some((p) => p.text?.startsWith("Container deployed successfully")),
        false,
      );
      assert.deepEqual(managedContainers(app, true), [], "no replica was started");
    },
  );
});
