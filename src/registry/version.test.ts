/** The newest tag under semver and calver (`selectLatest`), as a table. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { selectLatest } from "./version.ts";

type Case = [
  name: string,
  tags: string[],
  expected: string | undefined,
  calver?: string,
  preRelease?: boolean,
];

const CASES: Case[] = [
  // semver basics
  ["major wins", ["v1.9.9", "v2.0.0", "v1.10.0"], "v2.0.0"],
  ["minor numeric not lexical", ["v1.9.0", "v1.10.0"], "v1.10.0"],
  ["patch numeric not lexical", ["1.0.9", "1.0.10", "1.0.2"], "1.0.10"],
  ["v prefix optional", ["1.2.3", "v1.2.4"], "v1.2.4"],
  ["v prefix ignored for order, tie keeps first", ["v1.2.3", "1.2.3"], "v1.2.3"],
  ["tie keeps first (other order)", ["1.2.3", "v1.2.3"], "1.2.3"],
  ["build metadata ignored, tie keeps first", ["1.0.0+b2", "1.0.0+b1"], "1.0.0+b2"],
  ["build metadata does not beat a higher patch", ["1.0.0+zzz", "1.0.1"], "1.0.1"],
  [
    "huge numbers compare exactly",
    ["1.0.9007199254740993", "1.0.9007199254740992"],
    "1.0.9007199254740993",
  ],
  ["latest ignored", ["latest", "v1.0.0"], "v1.0.0"],
  ["two-part ignored", ["1.2", "v0.0.1"], "v0.0.1"],
  ["one-part ignored", ["v1", "v0.1.0"], "v0.1.0"],
  ["four-part ignored", ["1.2.3.4", "1.0.0"], "1.0.0"],
  ["leading zero ignored", ["01.0.0", "1.0.0"], "1.0.0"],
  ["uppercase V ignored", ["V9.0.0", "1.0.0"], "1.0.0"],
  ["sha-like tags ignored", ["sha-abc123", "main", "1.0.0"], "1.0.0"],
  ["no version at all", ["latest", "main", "edge"], undefined],
  ["empty list", [], undefined],
  // pre-release filtering
  ["pre-release excluded by default", ["v1.0.0", "v2.0.0-rc.1"], "v1.0.0"],
  ["only pre-releases and not enabled", ["v2.0.0-rc.1"], undefined],
  ["pre-release included when enabled", ["v1.0.0", "v2.0.0-rc.1"], "v2.0.0-rc.1", "", true],
  ["release beats its pre-release", ["v2.0.0-rc.1", "v2.0.0"], "v2.0.0", "", true],
  // SemVer §11 example chain: 1.0.0-alpha < alpha.1 < alpha.beta < beta < beta.2 < beta.11 < rc.1 < 1.0.0
  ["alpha < alpha.1", ["1.0.0-alpha.1", "1.0.0-alpha"], "1.0.0-alpha.1", "", true],
  ["alpha.1 < alpha.beta", ["1.0.0-alpha.beta", "1.0.0-alpha.1"], "1.0.0-alpha.beta", "", true],
  ["alpha.beta < beta", ["1.0.0-alpha.beta", "1.0.0-beta"], "1.0.0-beta", "", true],
  ["beta < beta.2", ["1.0.0-beta.2", "1.0.0-beta"], "1.0.0-beta.2", "", true],
  ["beta.2 < beta.11 (numeric)", ["1.0.0-beta.11", "1.0.0-beta.2"], "1.0.0-beta.11", "", true],
  ["beta.11 < rc.1", ["1.0.0-rc.1", "1.0.0-beta.11"], "1.0.0-rc.1", "", true],
  ["numeric id < alphanumeric id", ["1.0.0-1", "1.0.0-a"], "1.0.0-a", "", true],
  ["ASCII order: uppercase < lowercase", ["1.0.0-Beta", "1.0.0-alpha"], "1.0.0-alpha", "", true],
  ["hyphen ids are alphanumeric", ["1.0.0-x-1", "1.0.0-999"], "1.0.0-x-1", "", true],
  ["pre-release with build", ["1.0.0-rc.1+b5", "1.0.0-rc.0"], "1.0.0-rc.1+b5", "", true],
  ["pre-release leading zero numeric ignored", ["1.0.0-01", "1.0.0-0"], "1.0.0-0", "", true],
  ["empty pre-release id ignored", ["1.0.0-rc..1", "0.9.0"], "0.9.0", "", true],
  // calver
  ["calver YYYY.0M.0D", ["2024.01.15", "2024.12.01", "2023.12.31"], "2024.12.01", "YYYY.0M.0D"],
  ["calver with v prefix", ["v2024.03.01", "2024.02.28"], "v2024.03.01", "YYYY.0M.0D"],
  ["calver 0M requires padding", ["2024.1.15", "2023.01.01"], "2023.01.01", "YYYY.0M.0D"],
  ["calver MM rejects padding", ["2024.01", "2023.12"], "2023.12", "YYYY.MM"],
  ["calver month range", ["2024.13.01", "2024.12.01"], "2024.12.01", "YYYY.0M.0D"],
  ["calver MICRO numeric", ["24.5.9", "24.5.10"], "24.5.10", "YY.MM.MICRO"],
  [
    "calver ignores semver-only tags",
    ["1.2.3", "latest", "2024.05.01"],
    "2024.05.01",
    "YYYY.0M.0D",
  ],
  [
    "calver pre-release excluded by default",
    ["2024.05.02-rc.1", "2024.05.01"],
    "2024.05.01",
    "YYYY.0M.0D",
  ],
  [
    "calver pre-release when enabled",
    ["2024.05.02-rc.1", "2024.05.01"],
    "2024.05.02-rc.1",
    "YYYY.0M.0D",
    true,
  ],
  [
    "calver release beats pre-release",
    ["2024.05.01-rc.2", "2024.05.01"],
    "2024.05.01",
    "YYYY.0M.0D",
    true,
  ],
  [
    "calver pre-release §11 order",
    ["2024.05.01-rc.2", "2024.05.01-rc.10"],
    "2024.05.01-rc.10",
    "YYYY.0M.0D",
    true,
  ],
  [
    "calver build ignored, tie keeps first",
    ["2024.05.01+b", "2024.05.01+a"],
    "2024.05.01+b",
    "YYYY.0M.0D",
  ],
  ["calver week tokens", ["2024-w09", "2024-w52", "2024-w54"], "2024-w52", "YYYY-w0W"],
  ["calver 0Y two/three digits", ["24.0", "124.0", "23.9"], "124.0", "0Y.MICRO"],
  ["calver day DD", ["2024.5.9", "2024.5.31", "2024.5.32"], "2024.5.31", "YYYY.MM.DD"],
  ["calver no separators", ["20240105", "20231231"], "20240105", "YYYY0M0D"],
  ["calver literal text", ["release-2024.1", "2025.1"], "release-2024.1", "release-YYYY.MICRO"],
  ["calver nothing matches", ["v1.0.0"], undefined, "YYYY.0M.0D"],
];

for (const [name, tags, expected, calver = "", preRelease = false] of CASES) {
  test(`version: ${name}`, () => {
    assert.equal(selectLatest(tags, { calver, preRelease })?.tag, expected);
  });
}

test("version: the table has 40+ cases", () => {
  assert.ok(CASES.length >= 40, `${CASES.length} cases`);
});

test("version: build metadata is reported with the winner", () => {
  assert.deepEqual(selectLatest(["1.0.0+slot.blue"], { calver: "", preRelease: false }), {
    tag: "1.0.0+slot.blue",
    build: "slot.blue",
  });
});
