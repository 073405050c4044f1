/**
 * e2e: the compiled binary (`DEWY_BIN`, default `dist/dewy`, built by `compile.ts`), and the
 * bundle on Node (`node dist/dewy.js`, {@link dewyPrograms}), as a user
 * runs it: `--version`, `--help`, a bad flag, an unreachable engine, and the main scenario
 * against the real engine and registry of `engine-up.sh` (deploy 2 replicas, answer through
 * the proxy, `dewy container list`, SIGTERM removes the containers), and a mail notifier
 * delivering to a real SMTP server (nodemailer is loaded on demand, which a bundle must keep;
 * a stop right after a failed check still delivers that check's error mail), and a SIGTERM
 * while the first replica is being created; SIGHUP ignored and SIGQUIT draining an open
 * connection after the listener closed.
 *
 * Skipped with a message when the binary is missing outside CI; in CI (`CI=true`) that fails.
 * Needs: eval "$(bash test/services/engine-up.sh)"
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as net from "node:net";
import process from "node:process";
import { VERSION } from "../../src/version.ts";
import { body, header, PASSWORD, USER, withSmtp } from "../_smtp.ts";
import {
  dewyPorts,
  dewyPrograms,
  exitWithin,
  httpGet,
  managedContainers,
  pushApp,
  REGISTRY,
  removeTestApp,
  runProgram,
  sleep,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";

/** `--notifier` for the test SMTP server on `port` (plain text: it is on 127.0.0.1). */
function mailNotifier(port: number): string {
  return `mail://127.0.0.1:${port}/ops@example.com?username=${USER}` +
    `&password=${PASSWORD}&from=dewy@example.com&tls=false`;
}

/** Resolve once `socket` is connected, reject on its error or after 10 s. */
function connected(socket: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no connection within 10 s")), 10_000);
    socket.once("connect", () => (clearTimeout(timer), resolve()));
    socket.once("error", (error) => (clearTimeout(timer), reject(error)));
  });
}

for (const { label, program, options } of dewyPrograms()) {
  test(`${label}: it exists (build it with bun compile.ts)`, options, () => {
    assert.ok(
      existsSync(program.at(-1)!),
      `${program.at(-1)} is missing: run node_modules/.bin/bun compile.ts`,
    );
  });

  test(`${label}: --version exits 0 and prints the version`, options, () => {
    const result = runProgram(program, ["--version"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^dewy version: ${VERSION.replaceAll(".", "\\.")} \\(`));
  });

  test(`${label}: --help exits 0 and lists the commands and flags`, options, () => {
    const result = runProgram(program, ["--help"]);
    assert.equal(result.code, 0, result.stderr);
    for (
      const flag of [
        "--registry",
        "--port",
        "--replicas",
        "--health-path",
        "--telemetry",
        "--otlp-endpoint",
        "--admin-port",
      ]
    ) {
      assert.ok(result.stdout.includes(flag), `--help does not mention ${flag}`);
    }
    assert.match(result.stdout, /dewy container list/);
  });

  test(`${label}: a bad flag exits 2 with one line naming it`, options, () => {
    const result = runProgram(program, [
      "container",
      "--registry",
      "img://127.0.0.1:5000/app",
      "--port",
      "8080",
      "--replicaz",
      "2",
    ]);
    assert.equal(result.code, 2);
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /--replicaz/);
    assert.equal(result.stdout, "");
  });

  test(
    `${label}: an unreachable engine exits 1 with a message naming the socket`,
    options,
    async () => {
      const socket = `/tmp/${uniqueName("no-engine")}/docker.sock`;
      const { port, adminPort } = await dewyPorts();
      const result = runProgram(
        program,
        ["container", "--registry", `img://${REGISTRY}/app`, "--port", String(port)].concat(
          ["--admin-port", String(adminPort)],
        ),
        { env: { DOCKER_HOST: `unix://${socket}` }, timeoutMs: 30_000 },
      );
      assert.equal(result.code, 1, `${result.stdout}${result.stderr}`);
      assert.ok(result.stderr.includes(socket), result.stderr);
    },
  );

  test(
    `${label}: deploys 2 replicas from the registry, serves them, lists them, SIGTERM removes them`,
    options,
    async () => {
      const repo = uniqueName("ship-bin");
      const digests = [pushApp(repo, "1.0.0")];
      const { port, adminPort } = await dewyPorts();
      const dewy = startDewyContainer(
        repo,
        { port, adminPort },
        ["--drain-time", "2"],
        {},
        program,
      );
      try {
        await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 90_000);
        const answer = await httpGet(port);
        assert.deepEqual(answer, { status: 200, body: "1.0.0" });

        const list = runProgram(program, ["container", "list", "--admin-port", String(adminPort)]);
        assert.equal(list.code, 0, list.stderr);
        const rows = list.stdout.trim().split("\n");
        assert.match(rows[0], /UPSTREAM\s+DEPLOY TIME\s+NAME/);
        const names = rows.slice(1).map((row) => row.trim().split(/\s+/).at(-1));
        assert.equal(names.length, 2, list.stdout);
        for (const name of names) assert.match(name!, new RegExp(`^${repo}-\\d+-[01]$`));
        assert.equal(managedContainers(repo).filter((c) => c.State === "running").length, 2);

        assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
        assert.deepEqual(managedContainers(repo), [], "managed containers left after SIGTERM");
      } finally {
        await dewy.stop("SIGKILL");
        await removeTestApp(repo, repo, digests);
      }
    },
  );

  test(
    `${label}: a mail notifier mails the start-up and a failed check, even when stopped at once`,
    options,
    async () => {
      await withSmtp(async ({ port: smtpPort, received }) => {
        const notifier = mailNotifier(smtpPort);
        // Nothing is pushed to this repository, so the first check fails; SIGTERM follows at once,
        // while that error mail may still be on its way: it must go out before dewy exits.
        const repo = uniqueName("ship-mail");
        const dewy = startDewyContainer(
          repo,
          await dewyPorts(),
          ["--notifier", notifier],
          {},
          program,
        );
        try {
          await dewy.waitForLine(/Check failed/, 30_000);
          assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
          const bodies = received.map((mail) => body(mail.raw).split("\n")[0]);
          assert.deepEqual(bodies, [
            `Automatic shipping started by *Dewy* (v${VERSION}: container)`,
            `Error occurred (count: 1): repository not found: ${repo} on ${REGISTRY} (HTTP 404); ` +
            "check the repository path in --registry, or push an image first",
          ], dewy.lines.join("\n"));
          assert.equal(received[0].user, USER);
          assert.equal(header(received[0].raw, "X-Mailer"), `dewy/${VERSION}`);
        } finally {
          await dewy.stop("SIGKILL");
        }
      });
    },
  );

  test(
    `${label}: a proxy port that is taken exits 1 and mails the error`,
    options,
    async () => {
      await withSmtp(async ({ port: smtpPort, received }) => {
        const notifier = mailNotifier(smtpPort);
        const ports = await dewyPorts();
        const holder = net.createServer();
        await new Promise<void>((resolve) => holder.listen(ports.port, "0.0.0.0", resolve));
        const dewy = startDewyContainer(
          uniqueName("ship-taken"),
          ports,
          ["--notifier", notifier],
          {},
          program,
        );
        try {
          const code = await exitWithin(dewy, 60_000);
          assert.equal(code, 1, dewy.lines.join("\n"));
          const bodies = received.map((mail) => body(mail.raw).split("\n")[0]);
          assert.ok(
            bodies.some((b) =>
              b.startsWith("Error occurred (count: 1)") && b.includes(`${ports.port}`)
            ),
            JSON.stringify(bodies),
          );
        } finally {
          await dewy.stop("SIGKILL");
          holder.close();
        }
      });
    },
  );

  test(
    `${label}: SIGTERM while the first replica is being created: exit 0, no container left`,
    options,
    async () => {
      const repo = uniqueName("ship-early");
      const digests = [pushApp(repo, "1.0.0")];
      const dewy = startDewyContainer(repo, await dewyPorts(), [], {}, program);
      try {
        // The signal lands while dockerd creates or starts the first replica: a create that was
        // cut off client-side used to leave a "created" container behind.
        await dewy.waitForLine(/msg="Starting container"/, 30_000);
        assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
        assert.ok(
          dewy.lines.some((l) => /Managed containers removed/.test(l)),
          dewy.lines.join("\n"),
        );
        assert.deepEqual(managedContainers(repo), [], "managed containers left after SIGTERM");
      } finally {
        await dewy.stop("SIGKILL");
        await removeTestApp(repo, repo, digests);
      }
    },
  );

  test(
    `${label}: SIGHUP is ignored; SIGQUIT closes the listener, drains an open connection, then removes`,
    options,
    async () => {
      const repo = uniqueName("ship-quit");
      const digests = [pushApp(repo, "1.0.0")];
      const { port, adminPort } = await dewyPorts();
      const dewy = startDewyContainer(
        repo,
        { port, adminPort },
        ["--drain-time", "30"],
        {},
        program,
      );
      const open = new net.Socket();
      try {
        await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 90_000);
        process.kill(dewy.child.pid!, "SIGHUP");
        await dewy.waitForLine(/Received SIGHUP; ignored/, 10_000);
        assert.deepEqual(await httpGet(port), { status: 200, body: "1.0.0" });

        // A client connected before the stop, that has not sent its request yet.
        open.connect(port, "127.0.0.1");
        await connected(open);
        await sleep(300); // accepted by the proxy, not only by the kernel
        const exited = dewy.stop("SIGQUIT");
        await dewy.waitForLine(/Draining open connections.*count=1/, 10_000);
        // The listener is closed first: a new client is refused...
        await assert.rejects(connected(net.connect(port, "127.0.0.1")), /ECONNREFUSED/);
        // ...while the open one is still served by the running replicas.
        let answer = "";
        open.on("data", (d) => (answer += d));
        const ended = new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no answer: ${dewy.lines.join("\n")}`)),
            10_000,
          );
          open.once("close", () => (clearTimeout(timer), resolve()));
        });
        open.write("GET / HTTP/1.0\r\nHost: app\r\n\r\n");
        await ended;
        assert.match(answer, /^HTTP\/1\.[01] 200[\s\S]*1\.0\.0/, answer);

        assert.equal(await exited, 0, dewy.lines.join("\n"));
        assert.ok(dewy.lines.some((l) => /Shutting down.*signal=SIGQUIT/.test(l)));
        assert.ok(
          !dewy.lines.some((l) => /Closed connections still open after the drain time/.test(l)),
        );
        assert.deepEqual(managedContainers(repo), [], "managed containers left after SIGQUIT");
      } finally {
        open.destroy();
        await dewy.stop("SIGKILL");
        await removeTestApp(repo, repo, digests);
      }
    },
  );
}
