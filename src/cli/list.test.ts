/**
 * `dewy container list` against a hostile answer on the admin port (real HTTP on 127.0.0.1):
 * an oversized body is refused unread, and names cannot move the cursor or forge lines.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { withHttp } from "../../test/_http.ts";
import { listContainers } from "./list.ts";

/** Run `list` against `handler` on the first port of the scan; stdout and stderr lines. */
async function listAgainst(handler: () => Response) {
  const out: string[] = [];
  const err: string[] = [];
  let code = -1;
  await withHttp(handler, async (host) => {
    code = await listContainers({
      adminPort: Number(host.split(":")[1]),
      write: (line) => out.push(line),
      writeError: (line) => err.push(line),
      timeoutMs: 30_000,
    }).catch(() => -2);
  });
  return { out, err, code };
}

const entry = (name: string, ip_port = "127.0.0.1:49153") => ({
  name,
  ip_port,
  deployed_at: "2026-07-19T06:20:00Z",
});

test("list: an answer over 1 MiB is skipped unread, naming its size limit", async () => {
  const body = JSON.stringify({ containers: [entry("big-0")] }) + " ".repeat(3 * 1024 * 1024);
  const { out, err, code } = await listAgainst(() => new Response(body));
  assert.deepEqual(out, [], "the oversized answer was printed");
  assert.equal(code, 1);
  assert.match(err.join("\n"), /larger than 1 MiB/);
});

test("list: an endless answer is cut at 1 MiB, not read until the timeout", async () => {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let sent = 0;
  const { out, err } = await listAgainst(() =>
    new Response(
      new ReadableStream({
        pull(controller) {
          sent += chunk.length;
          if (sent > 64 * 1024 * 1024) controller.close(); // bound the test
          else controller.enqueue(chunk);
        },
      }),
    )
  );
  assert.deepEqual(out, []);
  assert.match(err.join("\n"), /larger than 1 MiB/);
  // The server may buffer ahead of the reader; the stream must still be cancelled early.
  assert.ok(sent < 32 * 1024 * 1024, `${sent} bytes were sent before the list gave up`);
});

test("list: control characters and CR/LF in names and addresses are stripped before printing", async () => {
  const { out, code } = await listAgainst(() =>
    Response.json({
      containers: [
        entry("app-0\r\n127.0.0.1:1    2026-01-01 00:00:00    forged\u001b[2K\u0007"),
        entry("app-1\u202e\u0000", "127.0.0.1:1\u001b]0;title\u0007"),
      ],
    })
  );
  assert.equal(code, 0);
  assert.equal(out.length, 3, `one header and two rows: ${JSON.stringify(out)}`);
  for (const line of out) {
    // deno-lint-ignore no-control-regex -- looking for control characters is the point
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, line);
  }
  assert.match(out[1], /app-0127\.0\.0\.1:1 {4}2026-01-01 00:00:00 {4}forged\[2K$/);
});
