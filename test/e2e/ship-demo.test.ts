/**
 * e2e: examples/demo.sh (`npm run demo`) with DEMO_AUTO=1, its own repository and free ports:
 * run by the compiled binary and by `node dist/dewy.js` ({@link dewyPrograms}), it ends with status 0, the rolling deploy under its request loop loses no request, the
 * version switches from 1.0.0 to 1.1.0, and no container of the demo is left. The engine and
 * registry were up before (engine-up.sh), so the demo must leave them running.
 *
 * Needs: root and eval "$(bash test/services/engine-up.sh)"
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  dewyPorts,
  dewyPrograms,
  ENGINE_SOCK,
  managedContainers,
  REGISTRY,
  runAsync,
  uniqueName,
} from "./_ship.ts";

for (const { label, program, options } of dewyPrograms()) {
  test(
    `ship demo (${label}): DEMO_AUTO=1 npm run demo deploys v1.1.0 under load with 0 failed requests and cleans up`,
    options,
    async () => {
      assert.ok(
        ENGINE_SOCK,
        'ENGINE_SOCK is not set: run eval "$(bash test/services/engine-up.sh)" first',
      );
      const repo = uniqueName("ship-demo");
      const ports = await dewyPorts();
      const result = await runAsync("bash", ["examples/demo.sh"], {
        env: {
          DEMO_AUTO: "1",
          DEMO_REPO: repo,
          DEMO_PORT: String(ports.port),
          DEMO_ADMIN_PORT: String(ports.adminPort),
          DEMO_DEWY: program.join(" "),
          NO_COLOR: "1",
        },
        timeoutMs: 300_000,
      });
      const output = `${result.stdout}${result.stderr}`;
      assert.equal(result.code, 0, output);
      const load = /requests during the deploy: (\d+) succeeded, (\d+) failed/.exec(output);
      assert.ok(load, output);
      assert.ok(Number(load[1]) > 0, output);
      assert.equal(load[2], "0", output);
      assert.match(output, /versions that answered: +1\.0\.0 ×\d+, then 1\.1\.0 ×\d+/);
      assert.match(output, /dewy exited with status 0/);
      assert.match(output, /no demo container left/);
      // Both answer still: the demo left the engine and registry it did not start running.
      assert.deepEqual(managedContainers(repo), []);
      const registry = await fetch(`http://${REGISTRY}/v2/`);
      await registry.body?.cancel();
      assert.equal(registry.status, 200);
      const tags = await (await fetch(`http://${REGISTRY}/v2/${repo}/tags/list`)).json();
      assert.equal(tags.tags, null, "the demo's tags were not deleted");
    },
  );
}
