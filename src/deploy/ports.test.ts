import { test } from "node:test";
import assert from "node:assert/strict";
import { publishedPorts, resolvePorts } from "./ports.ts";
import { PortResolutionError } from "./errors.ts";

test("ports: explicit ports stay, auto ports take the single EXPOSEd port", () => {
  const ports = resolvePorts(
    [{ proxyPort: 80, containerPort: 0 }, { proxyPort: 81, containerPort: 9000 }],
    "img",
    [8080],
  );
  assert.deepEqual(ports, [{ proxyPort: 80, containerPort: 8080 }, {
    proxyPort: 81,
    containerPort: 9000,
  }]);
  assert.deepEqual(publishedPorts([...ports, { proxyPort: 82, containerPort: 8080 }]), [
    8080,
    9000,
  ]);
  assert.deepEqual(resolvePorts([{ proxyPort: 80, containerPort: 3000 }], "img", []), [{
    proxyPort: 80,
    containerPort: 3000,
  }]);
});

test("ports: no or several EXPOSEd ports is an error naming the image and the ports", () => {
  assert.throws(
    () => resolvePorts([{ proxyPort: 80, containerPort: 0 }], "r/app@sha256:1", []),
    (e: Error) => {
      assert.ok(e instanceof PortResolutionError);
      assert.match(
        e.message,
        /image r\/app@sha256:1 exposes no TCP port: .*--port PROXY:CONTAINER/,
      );
      return true;
    },
  );
  assert.throws(
    () => resolvePorts([{ proxyPort: 80, containerPort: 0 }], "img", [80, 443]),
    /TCP ports 80, 443/,
  );
});
