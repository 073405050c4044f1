import { test } from "node:test";
import assert from "node:assert/strict";
import { renderContainerTable } from "./list-table.ts";

test("list table: UPSTREAM grows with the longest address, DEPLOY TIME is 23 wide", () => {
  const lines = renderContainerTable([
    { name: "b", ip_port: "[::1]:65000", deployed_at: "2026-01-02T03:04:05.999-07:00" },
    { name: "a", ip_port: "", deployed_at: "2026-01-02T03:04:05Z" },
  ]);
  assert.deepEqual(lines, [
    "UPSTREAM       DEPLOY TIME            NAME",
    "               2026-01-02 03:04:05    a",
    "[::1]:65000    2026-01-02 03:04:05    b",
  ]);
});
