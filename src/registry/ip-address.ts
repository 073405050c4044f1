/**
 * IP address literals as the realm guard must see them: every spelling the URL parser or a
 * resolver may hand over (`[::ffff:7f00:1]`, `::127.0.0.1`, `0177.0.0.1`, `2130706433`)
 * reduced to one canonical address before it is classified.
 *
 * @module
 */

/** An address parsed from text: IPv4 as one 32-bit number, IPv6 as eight 16-bit groups. */
export type IpAddress = { v4: number } | { v6: number[] };

/** One inet_aton part: decimal, octal (`0` prefix) or hex (`0x` prefix). */
function ipv4Part(text: string): number | undefined {
  if (/^0x[0-9a-f]*$/i.test(text)) return text.length === 2 ? 0 : parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return parseInt(text, 8);
  if (/^(0|[1-9]\d*)$/.test(text)) return Number(text);
  return undefined;
}

/**
 * IPv4 in any form inet_aton accepts: `a.b.c.d`, `a.b.c` and `a.b` (the last part fills the
 * rest), a single 32-bit number; each part decimal, octal or hex.
 */
function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length > 4) return undefined;
  const values = parts.map(ipv4Part);
  if (values.some((v) => v === undefined)) return undefined;
  const nums = values as number[];
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return undefined;
  return nums.reduce((sum, n, i) => sum + n * 2 ** (8 * (3 - i)), 0) + last;
}

/** IPv6 groups, with `::` expanded and a trailing dotted IPv4 taken as the last two groups. */
function parseIpv6(text: string): number[] | undefined {
  let head = text;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(dotted[2])!.slice(1).map(Number);
    if (v4.some((n) => n > 255)) return undefined;
    head = dotted[1].endsWith("::") ? dotted[1] : dotted[1].slice(0, -1);
    tail.push(v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]);
  }
  const halves = head.split("::");
  if (halves.length > 2) return undefined;
  const groups = (half: string) => half === "" ? [] : half.split(":");
  const [left, right] = [groups(halves[0]), groups(halves[1] ?? "")];
  const size = left.length + right.length + tail.length;
  if (halves.length === 1 ? size !== 8 : size > 7) return undefined;
  if ([...left, ...right].some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const zeros = new Array(8 - size).fill(0);
  return [
    ...left.map((g) => parseInt(g, 16)),
    ...zeros,
    ...right.map((g) => parseInt(g, 16)),
    ...tail,
  ];
}

/** `text` (brackets allowed around IPv6) as an address, or `undefined` when it is a name. */
export function parseIpAddress(text: string): IpAddress | undefined {
  const bare = text.replace(/^\[(.*)\]$/, "$1");
  if (bare.includes(":")) {
    const v6 = parseIpv6(bare);
    return v6 && { v6 };
  }
  const v4 = parseIpv4(bare);
  return v4 === undefined ? undefined : { v4 };
}

/**
 * The IPv4 address an IPv6 address stands for: mapped (`::ffff:a.b.c.d`), compatible
 * (`::a.b.c.d`, not `::` or `::1`), SIIT (`::ffff:0:a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`).
 */
export function embeddedIpv4(groups: readonly number[]): number | undefined {
  const prefix = (...head: number[]) => head.every((g, i) => groups[i] === g);
  const low = groups[6] * 0x10000 + groups[7];
  if (prefix(0, 0, 0, 0, 0, 0xffff) || prefix(0, 0, 0, 0, 0xffff, 0)) return low;
  if (prefix(0x64, 0xff9b, 0, 0, 0, 0)) return low;
  if (prefix(0, 0, 0, 0, 0, 0) && low > 1) return low;
  return undefined;
}
