/**
 * Issue 19: a firewall reload that drops the engine's port forwarding. With the replicas
 * dialled on the bridge, removing the NAT rules of their published ports (and cutting the
 * ports themselves) under load fails no request; with the bridge unreachable from dewy, it
 * serves through the published ports. Only the rules of this test's own containers are
 * touched, on the shared test engine, and restored in `finally`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEWY_BIN,
  dewyPorts,
  engineApi,
  getOnce,
  needsBinary,
  pushApp,
  removeTestApp,
  startDewyContainer,
  uniqueName,
} from "./_ship.ts";
import { answersAfter, dnatRules, iptables, mixedLoad, onceForAllRuntimes } from "./_outage.ts";

/** The published host port of each running managed container of `app`. */
function hostPortsOf(app: string): number[] {
  const filters = JSON.stringify({ label: ["dewy.managed=true", `dewy.app=${app}`] });
  const listed = engineApi("GET", `/containers/json?filters=${encodeURIComponent(filters)}`) as {
    Ports: { PublicPort?: number }[];
  }[];
  return listed.flatMap((c) => c.Ports.map((p) => p.PublicPort ?? 0).filter((p) => p > 0));
}

test(
  "firewall: NAT rules of the published ports removed under load, 0 failed requests",
  { ...needsBinary(), ...onceForAllRuntimes() },
  async () => {
    const repo = uniqueName("f19-nat");
    const digests = [pushApp(repo, "1.0.0")];
    const ports = await dewyPorts();
    const dewy = startDewyContainer(repo, ports, ["--interval", "60", "--drain-time", "1"]);
    const removed: string[] = [];
    const rejects: string[][] = [];
    let load: ReturnType<typeof mixedLoad> | undefined;
    try {
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 120_000);
      const joined = dewy.lines.filter((l) => l.includes("Container added to load balancer"));
      for (const line of joined) assert.doesNotMatch(line, /backends=127\.0\.0\.1:/);
      const hostPorts = hostPortsOf(repo);
      assert.equal(hostPorts.length, 2);

      load = mixedLoad(ports.port);
      await answersAfter(load, 200);
      // The reload: the DNAT rules of these ports go, and the ports refuse (what a flushed
      // nat table does to them when docker-proxy is not in the path).
      for (const port of hostPorts) {
        for (const rule of dnatRules(port)) {
          iptables("-t", "nat", ...rule.replace(/^-A /, "-D ").split(" "));
          removed.push(rule);
        }
        const reject = ["INPUT", "-p", "tcp", "-d", "127.0.0.1", "--dport", String(port)];
        iptables("-I", ...reject, "-j", "REJECT", "--reject-with", "tcp-reset");
        rejects.push(reject);
      }
      for (const port of hostPorts) {
        assert.equal(await getOnce(port), "error:ECONNREFUSED", `published port ${port} still up`);
      }
      await answersAfter(load, 600);
      await load.stop();
      assert.deepEqual(
        load.failures(),
        [],
        `${load.failures().length} of ${load.results.length} requests failed`,
      );
    } finally {
      await load?.stop();
      for (const reject of rejects) {
        try {
          iptables("-D", ...reject, "-j", "REJECT", "--reject-with", "tcp-reset");
        } catch (error) {
          console.warn((error as Error).message);
        }
      }
      for (const rule of removed) {
        try {
          iptables("-t", "nat", ...rule.split(" "));
        } catch (error) {
          console.warn((error as Error).message);
        }
      }
      await dewy.stop("SIGTERM");
      await removeTestApp(repo, repo, digests);
    }
  },
);

/** A group id no other process here runs as: dewy runs under it, and the firewall matches it. */
const FALLBACK_GID = "4219";

test(
  "firewall: with the bridge unreachable from dewy, it serves through the published ports",
  { ...needsBinary(), ...onceForAllRuntimes() },
  async () => {
    const repo = uniqueName("f19-fallback");
    const digests = [pushApp(repo, "1.0.0")];
    const ports = await dewyPorts();
    const bridge = engineApi("GET", "/networks/bridge") as {
      IPAM: { Config: { Subnet: string }[] };
    };
    const subnet = bridge.IPAM.Config[0].Subnet;
    // Only dewy's own packets to the bridge are refused (as unreachable, like a network the
    // host has no route to); docker-proxy still reaches the containers for the published ports.
    const block = ["OUTPUT", "-d", subnet, "-m", "owner", "--gid-owner", FALLBACK_GID];
    const reject = ["-j", "REJECT", "--reject-with", "icmp-host-unreachable"];
    iptables("-I", ...block, ...reject);
    const dewy = startDewyContainer(
      repo,
      ports,
      ["--interval", "60", "--drain-time", "1"],
      {},
      ["setpriv", "--regid", FALLBACK_GID, "--clear-groups", DEWY_BIN],
    );
    try {
      await dewy.waitForLine(/Container deployed successfully.*version=v1\.0\.0/, 120_000);
      // Each replica in rotation fell back to its published port after its address failed.
      const joined = dewy.lines.filter((l) => l.includes("Container added to load balancer"));
      assert.ok(joined.length >= 2);
      for (const line of joined.slice(-2)) {
        assert.match(line, /backends=127\.0\.0\.1:\d+/);
        const name = / container=(\S+)/.exec(line)![1];
        assert.ok(
          dewy.lines.some((l) => l.includes("using its published port") && l.includes(name)),
          `no fallback logged for ${name}`,
        );
      }
      const answers = [];
      for (let i = 0; i < 50; i++) answers.push(await getOnce(ports.port));
      assert.deepEqual(answers, Array(50).fill("1.0.0"));
      assert.equal(await dewy.stop("SIGTERM"), 0, dewy.lines.join("\n"));
    } finally {
      iptables("-D", ...block, ...reject);
      await dewy.stop("SIGKILL");
      await removeTestApp(repo, repo, digests);
    }
  },
);
