/** `constraint=RANGE`: npm range syntax, the candidates it leaves, and where ordering is dewy's own. */
import { test } from "node:test";
import assert from "node:assert/strict";
import semver from "semver";
import { ConfigError } from "../errors.ts";
import { parseConstraint } from "./constraint.ts";
import { parseImageUrl } from "./url.ts";
import { selectLatest } from "./version.ts";

const URL = "img://127.0.0.1:5000/app";
const TAGS = ["v1.0.0", "v1.4.0", "v1.4.3", "v1.5.0-rc.1", "v1.9.2", "v2.0.0", "latest", "1.3.1"];

const CASES: Array<[range: string, preRelease: boolean, expected: string | undefined]> = [
  ["^1.0", false, "v1.9.2"],
  ["^1.4", false, "v1.9.2"],
  ["~1.4.2", false, "v1.4.3"],
  ["1.x", false, "v1.9.2"],
  [">=1.2.0 <2", false, "v1.9.2"],
  ["1.2.3 || 1.3.x", false, "1.3.1"],
  ["~1.5.0-0", true, "v1.5.0-rc.1"],
  ["~1.5.0-0", false, undefined],
  ["^2", false, "v2.0.0"],
  ["^3", false, undefined],
];

for (const [range, preRelease, expected] of CASES) {
  test(`constraint: ${range} (pre-release=${preRelease}) picks ${expected ?? "nothing"}`, () => {
    const constraint = parseConstraint(range, URL);
    assert.equal(selectLatest(TAGS, { calver: "", preRelease, constraint })?.tag, expected);
  });
}

test("constraint: parsed from the img:// URL, with pre-release and the v prefix", () => {
  const image = parseImageUrl(`${URL}?constraint=${encodeURIComponent("^1.4")}&pre-release=true`);
  assert.equal(image.constraint?.text, "^1.4");
  assert.equal(image.preRelease, true);
  assert.ok(image.constraint!.matches("v1.5.0-rc.1", true));
  assert.ok(!image.constraint!.matches("v2.0.0", true));
  assert.equal(parseImageUrl(URL).constraint, undefined);
});

test("constraint: a range that does not parse is a ConfigError naming it", () => {
  for (const bad of ["banana", "^^1", "1.2.3.4", "=>1", ""]) {
    assert.throws(
      () => parseImageUrl(`${URL}?constraint=${encodeURIComponent(bad)}`),
      (error: unknown) =>
        error instanceof ConfigError && error.flag === "--registry" &&
        error.message.includes(`constraint "${bad}" is not a semver range`) &&
        !error.message.includes("\n"),
    );
  }
});

test("constraint: with calver (flag or URL) is a ConfigError naming --calver", () => {
  const withFlag = () => parseImageUrl(`${URL}?constraint=^1`, { calver: "YYYY.0M.0D" });
  const inUrl = () => parseImageUrl(`${URL}?constraint=^1&calver=YYYY.0M.0D`);
  for (const parse of [withFlag, inUrl]) {
    assert.throws(
      parse,
      (error: unknown) =>
        error instanceof ConfigError && error.flag === "--calver" &&
        /no calendar-version range syntax/.test(error.message),
    );
  }
});

// Why ordering stays dewy's own SemVer 2 precedence: npm's parser refuses numbers above
// 2^53-1, which SemVer 2 allows and dewy has always ordered (any size).
test("constraint: ordering is dewy's SemVer 2 precedence, not npm's (numbers above 2^53-1)", () => {
  const huge = "v1.0.99999999999999999999";
  assert.equal(semver.valid(huge), null, "npm semver rejects it");
  assert.equal(selectLatest(["v1.0.5", huge], { calver: "", preRelease: false })?.tag, huge);
  // Inside a range npm cannot read such a tag, so it is no candidate there.
  const constraint = parseConstraint("^1.0", URL);
  assert.equal(
    selectLatest(["v1.0.5", huge], { calver: "", preRelease: false, constraint })?.tag,
    "v1.0.5",
  );
});
