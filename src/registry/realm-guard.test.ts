/**
 * The realm guard against addresses written so that they look public: IPv4-mapped,
 * IPv4-compatible and NAT64 IPv6, and IPv4 in decimal, octal or hex.
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
