import { test } from "node:test";
import assert from "node:assert/strict";
import { validateCalverFormat } from "./calver.ts";
import { ConfigError } from "../errors.ts";

for (const format of ["", "abc", "YYYY/MM", "YYYY MM", "v.x"]) {
  test(`calver: format ${JSON.stringify(format)} is rejected naming it`, () => {
    assert.throws(
      () => validateCalverFormat(format),
      (e: unknown) =>
        e instanceof ConfigError && e.flag === "--calver" && e.message.includes(`"${format}"`),
    );
  });
}

for (const format of ["YYYY.0M.0D", "YY.MM.MICRO", "0Y0W", "YYYY-DD", "vMICRO"]) {
  test(`calver: format ${format} is accepted`, () => {
    assert.doesNotThrow(() => validateCalverFormat(format));
  });
}
