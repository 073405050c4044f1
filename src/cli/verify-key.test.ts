import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { parseCommandLine } from "./mod.ts";
import { assertConfigError, containerArgs, noEnv } from "../../test/_cli-assert.ts";
import { generateKey } from "../../test/_cosign.ts";
import { HOME_DIR } from "../../test/_config.ts";

function withKeys(fn: (dir: string) => void) {
  const dir = mkdtempSync(`${tmpdir()}/dewy-cli-keys-`);
  try {
    writeFileSync(`${dir}/a.pub`, generateKey("ec").pem);
    writeFileSync(`${dir}/b.pub`, generateKey("ed25519").pem);
    writeFileSync(`${dir}/private.key`, "-----BEGIN EC PRIVATE KEY-----\nxx\n");
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true });
  }
}

const config = (args: string[]) => {
  const command = parseCommandLine(containerArgs(...args), noEnv, { homeDir: HOME_DIR, uid: 1000 });
  assert.equal(command.kind, "container");
  return (command as Extract<typeof command, { kind: "container" }>).config;
};

test("cli --verify-key: repeatable, each file loaded once at start-up; none means no check", () => {
  withKeys((dir) => {
    const { signatures } = config(["--verify-key", `${dir}/a.pub`, `--verify-key=${dir}/b.pub`]);
    assert.deepEqual(signatures?.keys.map((k) => [k.path, k.type]), [
      [`${dir}/a.pub`, "ecdsa-p256"],
      [`${dir}/b.pub`, "ed25519"],
    ]);
    assert.equal(config([]).signatures, null);
  });
});

test("cli --verify-key: a missing file or a private key exits 2 with one line naming it", () => {
  withKeys((dir) => {
    const parse = (path: string) => () => config(["--verify-key", path]);
    assertConfigError(parse(`${dir}/none.pub`), "--verify-key", `${dir}/none.pub`, "ENOENT");
    assertConfigError(parse(`${dir}/private.key`), "--verify-key", "private key");
  });
});
