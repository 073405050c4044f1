/**
 * SSRF guard for bearer-token realms: a registry may only send dewy (and its credentials)
 * to a token server on a loopback or private network when the registry itself is on one.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { RegistryProtocolError, RegistryUnavailableError } from "./errors.ts";
import { embeddedIpv4, parseIpAddress } from "./ip-address.ts";

/** Resolves a host name to all of its IP addresses. */
export type Lookup = (hostname: string) => Promise<string[]>;

/** {@link Lookup} through the system resolver (`node:dns/promises`). */
export const systemLookup: Lookup = async (hostname) =>
  (await lookup(hostname, { all: true })).map((a) => a.address);

/** Whether a 32-bit IPv4 address is unspecified, loopback, RFC 1918, CGNAT or link-local. */
function privateV4(ip: number): boolean {
  const [a, b] = [ip >>> 24, (ip >>> 16) & 0xff];
  return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * Whether `ip` is unspecified, loopback, RFC 1918, CGNAT, link-local or IPv6 ULA. IPv6 that
 * stands for an IPv4 address (mapped, compatible, NAT64) is judged by that address; IPv4 may
 * be written in any inet_aton form. Brackets around IPv6 are allowed; a name is not private.
 */
export function isPrivateAddress(ip: string): boolean {
  const address = parseIpAddress(ip);
  if (!address) return false;
  if ("v4" in address) return privateV4(address.v4);
  const groups = address.v6;
  const v4 = embeddedIpv4(groups);
  if (v4 !== undefined) return privateV4(v4);
  if (groups.slice(0, 7).every((g) => g === 0) && groups[7] <= 1) return true;
  return (groups[0] >= 0xfe80 && groups[0] <= 0xfebf) ||
    (groups[0] >= 0xfc00 && groups[0] <= 0xfdff);
}

async function resolvesPrivate(hostname: string, resolve: Lookup): Promise<boolean> {
  const bare = hostname.replace(/^\[|\]$/g, "");
  if (bare === "localhost") return true;
  if (parseIpAddress(bare)) return isPrivateAddress(bare);
  let addresses: string[];
  try {
    addresses = await resolve(bare);
  } catch (error) {
    throw new RegistryUnavailableError(`cannot resolve ${bare}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return addresses.some(isPrivateAddress);
}

/**
 * Reject the token `realm` a registry at `registry` pointed to (or a redirect target, named by
 * `what`) when it would leak credentials: a scheme other than http(s), plain http from an
 * https registry, or a different host that resolves to a private address while the registry
 * itself is public.
 */
export async function checkRealm(
  realm: URL,
  registry: URL,
  resolve: Lookup = systemLookup,
  what = "token realm",
): Promise<void> {
  const refuse = (why: string): never => {
    throw new RegistryProtocolError(
      `refusing ${what} ${realm.href} of registry ${registry.host}: ${why}`,
    );
  };
  if (realm.protocol !== "https:" && realm.protocol !== "http:") refuse("not an http(s) URL");
  if (realm.protocol === "http:" && registry.protocol === "https:") {
    refuse("plain http from an https registry");
  }
  if (realm.hostname === registry.hostname) return;
  if (await resolvesPrivate(registry.hostname, resolve)) return;
  if (await resolvesPrivate(realm.hostname, resolve)) {
    refuse("it points into a private or loopback network");
  }
}
