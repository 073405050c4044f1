/**
 * The realm guard: which addresses are private, which realms are refused, also when written
 * to look public (IPv4-mapped, IPv4-compatible and NAT64 IPv6, IPv4 in decimal, octal or hex).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { withHttp } from "../../test/_http.ts";
import { RegistryProtocolError } from "./errors.ts";
import { checkRealm, isPrivateAddress } from "./realm-guard.ts";
import { fetchToken } from "./token.ts";

/** A registry name that resolves to a public address, so private realms are refused. */
const PUBLIC_REGISTRY = new URL("https://registry.example");
const publicLookup = () => Promise.resolve(["93.184.216.34"]);

test("realm guard: IPv4-mapped and -compatible IPv6 are judged by their IPv4 part", () => {
  for (
    const ip of [
      "::ffff:7f00:1",
      "[::ffff:a9fe:a9fe]",
      "::FFFF:169.254.169.254",
      "0:0:0:0:0:ffff:7f00:1",
      "::7f00:1",
      "::127.0.0.1",
      "::ffff:0:a00:1",
      "64:ff9b::a9fe:a9fe",
    ]
  ) {
    assert.equal(isPrivateAddress(ip), true, ip);
  }
  for (const ip of ["::ffff:808:808", "::ffff:8.8.8.8", "::808:808", "64:ff9b::808:808"]) {
    assert.equal(isPrivateAddress(ip), false, ip);
  }
});

test("realm guard: decimal, octal and hex IPv4 forms are private when the address is", () => {
  for (const ip of ["2130706433", "0177.0.0.1", "0x7f.1", "127.1", "0xa9fea9fe"]) {
    assert.equal(isPrivateAddress(ip), true, ip);
  }
  assert.equal(isPrivateAddress("134744072"), false, "8.8.8.8 in decimal");
});

test("realm guard: a public registry's realm at a mapped or spelled-out private address is refused", async () => {
  for (
    const realm of [
      "https://[::ffff:169.254.169.254]/token",
      "https://[::ffff:127.0.0.1]/token",
      "https://[::127.0.0.1]/token",
      "https://[0:0:0:0:0:ffff:a00:1]/token",
      "https://2130706433/token",
      "https://0177.0.0.1/token",
      "https://0x7f.0.0.1/token",
    ]
  ) {
    await assert.rejects(
      checkRealm(new URL(realm), PUBLIC_REGISTRY, publicLookup),
      (e: unknown) => e instanceof RegistryProtocolError && /private or loopback/.test(e.message),
      realm,
    );
  }
});

test("realm guard: a hostile registry cannot send Basic credentials to loopback through [::ffff:127.0.0.1]", async () => {
  const asked: (string | null)[] = [];
  await withHttp((request) => {
    asked.push(request.headers.get("authorization"));
    return Response.json({ token: "t" });
  }, async (host) => {
    const port = host.split(":")[1];
    await assert.rejects(
      fetchToken({ realm: `http://[::ffff:127.0.0.1]:${port}/token` }, {
        registry: new URL("http://registry.example"),
        credentials: { username: "u", password: "secret" },
        lookup: publicLookup,
      }),
      (e: unknown) => e instanceof RegistryProtocolError && /private or loopback/.test(e.message),
    );
  });
  assert.deepEqual(asked, [], "the token server at loopback was never asked");
});

test("registry auth: private address classification", () => {
  for (
    const ip of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "[::1]",
      "::",
      "fe80::1",
      "fd00::1",
      "fc12::1",
      "::ffff:10.0.0.1",
    ]
  ) {
    assert.equal(isPrivateAddress(ip), true, ip);
  }
  for (
    const ip of [
      "8.8.8.8",
      "172.32.0.1",
      "192.169.0.1",
      "2001:4860::8888",
      "::ffff:1.1.1.1",
      "100.128.0.1",
    ]
  ) {
    assert.equal(isPrivateAddress(ip), false, ip);
  }
});

const lookupTable = (table: Record<string, string[]>) => (host: string) =>
  table[host] ? Promise.resolve(table[host]) : Promise.reject(new Error(`ENOTFOUND ${host}`));

test("registry auth: realm guard refuses a public registry's realm resolving into a private network", async () => {
  const lookup = lookupTable({
    "registry.example": ["93.184.216.34"],
    "evil.example": ["93.184.216.35", "10.0.0.7"],
    "auth.example": ["93.184.216.36"],
  });
  const registry = new URL("https://registry.example");
  await assert.rejects(
    checkRealm(new URL("https://evil.example/token"), registry, lookup),
    (e: unknown) =>
      e instanceof RegistryProtocolError && e.message.includes("https://evil.example/token"),
  );
  await assert.rejects(
    checkRealm(new URL("https://127.0.0.1/token"), registry, lookup),
    RegistryProtocolError,
  );
  await assert.rejects(
    checkRealm(new URL("http://auth.example/token"), registry, lookup),
    /plain http/,
  );
  await assert.rejects(checkRealm(new URL("file:///etc/passwd"), registry, lookup), /not an http/);
  await checkRealm(new URL("https://auth.example/token"), registry, lookup);
  await checkRealm(new URL("https://registry.example:8443/token"), registry, lookup);
});

test("registry auth: realm guard allows private realms for a local registry", async () => {
  const lookup = lookupTable({ "registry.lan": ["192.168.1.10"], "auth.lan": ["192.168.1.11"] });
  await checkRealm(
    new URL("http://localhost:5001/token"),
    new URL("http://127.0.0.1:5000"),
    lookup,
  );
  await checkRealm(new URL("https://auth.lan/token"), new URL("https://registry.lan"), lookup);
});
