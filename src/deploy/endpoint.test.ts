import { test } from "node:test";
import assert from "node:assert/strict";
import { candidateEndpoint, endpointOf, endpointText, publishedEndpoint } from "./endpoint.ts";

test("endpoint: a replica that answered at its address is dialled there, else on its host port", () => {
  const hostPorts = new Map([[8080, 32768]]);
  const atAddress = { hostPorts, address: "172.17.0.3", direct: true };
  assert.deepEqual(endpointOf(atAddress, 8080), { host: "172.17.0.3", port: 8080 });
  const undecided = { hostPorts, address: "172.17.0.3" };
  assert.deepEqual(endpointOf(undecided, 8080), { host: "127.0.0.1", port: 32768 });
  assert.deepEqual(candidateEndpoint(undecided, 8080), { host: "172.17.0.3", port: 8080 });
  assert.equal(candidateEndpoint({ hostPorts }, 8080), undefined, "no address, no candidate");
  assert.deepEqual(publishedEndpoint(atAddress, 8080), { host: "127.0.0.1", port: 32768 });
  assert.equal(endpointText({ host: "fd00::3", port: 8080 }), "[fd00::3]:8080");
});
