import { test } from "node:test";
import assert from "node:assert/strict";
import { renderStatus, type StatusBody } from "./control-text.ts";

const BODY: StatusBody = { command: 2, name: "app", current_version: "v1.0.0" };
const row = (body: StatusBody) => renderStatus(body).find((l) => l.startsWith("signatures:"));

test("status text: the signature row says whether and by which key the running version is signed", () => {
  assert.equal(row(BODY), undefined, "a dewy without the field prints no row");
  assert.equal(
    row({ ...BODY, verification: { enabled: false } }),
    "signatures:  not checked (no --verify-key)",
  );
  assert.equal(
    row({
      ...BODY,
      verification: {
        enabled: true,
        signed_by: { path: "/etc/dewy/cosign.pub", format: "simple-signing" },
      },
    }),
    "signatures:  checked; the running version is signed by /etc/dewy/cosign.pub (simple-signing)",
  );
  assert.equal(
    row({ ...BODY, verification: { enabled: true, signed_by: null } }),
    "signatures:  checked; the running version has no verified signature",
  );
});
