/**
 * SSRF guard for bearer-token realms: a registry may only send dewy (and its credentials)
 * to a token server on a loopback or private network when the registry itself is on one.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { RegistryProtocolError, RegistryUnavailableError } from "./errors.ts";

/** Resolves a host name to all of its IP addresses. */
export type Lookup = (hostname: string) => Promise<string[]>;

/** {@link Lookup} through the system resolver (`node:dns/promises`). */
export const systemLookup: Lookup = async (hostname) =>
  (await lookup(hostname, { all: true })).map((a) => a.address);

function privateV4(ip: string): boolean | undefined {
  const m = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(ip);
  if (!m) return undefined;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * Whether `ip` is unspecified, loopback, RFC 1918, CGNAT, link-local or IPv6 ULA (IPv4-mapped
 * IPv6 addresses are judged by their IPv4 part). Brackets around IPv6 are allowed.
 */
export function isPrivateAddress(ip: string): boolean {
  const addr = ip.replace(/^\[|\]$/g, "").toLowerCase();
  const v4 = privateV4(addr.replace(/^::ffff:/, ""));
  if (v4 !== undefined) return v4;
  if (addr === "::" || addr === "::1") return true;
  const first = addr.startsWith("::") ? 0 : parseInt(addr.split(":")[0], 16);
  return (first >= 0xfe80 && first <= 0xfebf) || (first >= 0xfc00 && first <= 0xfdff);
}

async function resolvesPrivate(hostname: string, resolve: Lookup): Promise<boolean> {
  const bare = hostname.replace(/^\[|\]$/g, "");
  if (bare === "localhost") return true;
  if (privateV4(bare) !== undefined || bare.includes(":")) return isPrivateAddress(bare);
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
 * Reject the token `realm` a registry at `registry` pointed to when it would leak credentials:
 * a scheme other than http(s), plain http from an https registry, or a different host that
 * resolves to a private address while the registry itself is public.
 */
export async function checkRealm(
  realm: URL,
  registry: URL,
  resolve: Lookup = systemLookup,
): Promise<void> {
  const refuse = (why: string): never => {
    throw new RegistryProtocolError(
      `refusing token realm ${realm.href} of registry ${registry.host}: ${why}`,
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
