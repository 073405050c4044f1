import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "./clock.ts";
import { ensureImage } from "./pull.ts";
import { Logger, silentLogger } from "../log.ts";
import type { Engine } from "../engine/types.ts";

test("pull: progress is logged with layers and bytes, at most once per interval; present digests are not pulled", async () => {
  const lines: string[] = [];
  const logger = new Logger({ write: (l) => lines.push(l) });
  const clock = new ManualClock();
  let pulls = 0;
  const present = new Set<string>();
  const engine = {
    inspectImage: (ref: string) =>
      Promise.resolve(
        present.has(ref) ? { id: "i", exposedTcpPorts: [8080], repoDigests: [] } : undefined,
      ),
    pull: async (
      ref: string,
      options: {
        onProgress: (
          p: { layer?: string; status: string; current?: number; total?: number },
        ) => void;
      },
    ) => {
      pulls++;
      for (let i = 1; i <= 10; i++) {
        await clock.advance(500);
        options.onProgress({ layer: "a", status: "Downloading", current: i * 100, total: 1000 });
        options.onProgress({ layer: "b", status: i === 10 ? "Pull complete" : "Waiting" });
      }
      present.add(ref);
    },
  } as unknown as Engine;
  const first = await ensureImage({ engine, image: "r@sha256:1", logger, clock });
  assert.deepEqual(first, { pulled: true, exposedTcpPorts: [8080] });
  const progress = lines.filter((l) => l.includes('msg="Pull progress"'));
  assert.equal(progress.length, 2, "5 s of progress every 0.5 s logs twice at a 2 s interval");
  assert.match(progress[0], /layers=2 layers_done=0 bytes=400 bytes_total=1000/);
  assert.match(
    lines.find((l) => l.includes('msg="Image pulled"'))!,
    /layers_done=1 bytes=1000 bytes_total=1000 duration_ms=5000/,
  );
  assert.ok(lines[0].includes('msg="Pulling image" image=r@sha256:1'));
  const second = await ensureImage({ engine, image: "r@sha256:1", logger: silentLogger, clock });
  assert.equal(second.pulled, false);
  assert.equal(pulls, 1);
});

/** The `Image pulled` log line of a pull whose engine streams `events`. */
async function pulledLine(
  events: { layer?: string; status: string; current?: number; total?: number }[],
): Promise<string> {
  const lines: string[] = [];
  let present = false;
  const engine = {
    inspectImage: () =>
      Promise.resolve(present ? { id: "i", exposedTcpPorts: [], repoDigests: [] } : undefined),
    pull: (_ref: string, options: { onProgress: (p: (typeof events)[number]) => void }) => {
      events.forEach((event) => options.onProgress(event));
      present = true;
      return Promise.resolve();
    },
  } as unknown as Engine;
  const logger = new Logger({ write: (l) => lines.push(l) });
  await ensureImage({ engine, image: "acme/app:v2", logger, clock: new ManualClock() });
  return lines.find((l) => l.includes('msg="Image pulled"'))!;
}

test("pull: layers that already exist are logged as cached, without zero byte counts", async () => {
  // What dockerd streams when every layer is on the host already.
  const pulled = await pulledLine([
    { layer: "v2", status: "Pulling from acme/app" },
    ...["l1", "l2", "l3", "l4"].map((layer) => ({ layer, status: "Already exists" })),
    { status: "Digest: sha256:1" },
    { status: "Status: Downloaded newer image for acme/app:v2" },
  ]);
  assert.match(pulled, / layers=4 cached=4 duration_ms=/, pulled);
  assert.doesNotMatch(pulled, /bytes|layers_done/, pulled);
});

test("pull: a partly cached image logs cached, done and downloaded bytes", async () => {
  const pulled = await pulledLine([
    { layer: "v2", status: "Pulling from acme/app" },
    { layer: "l1", status: "Already exists" },
    { layer: "l2", status: "Downloading", current: 50, total: 100 },
    { layer: "l2", status: "Download complete" },
    { layer: "l2", status: "Pull complete" },
  ]);
  assert.match(pulled, / layers=2 cached=1 layers_done=2 bytes=100 bytes_total=100 /, pulled);
});
