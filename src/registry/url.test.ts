/** img:// URL parsing: good URLs as a table of parsed fields, bad ones as ConfigErrors naming the value. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { type ImageRef, parseImageUrl } from "./url.ts";
import { ConfigError } from "../errors.ts";

type Good = [url: string, expected: Partial<ImageRef>, calver?: string];

const GOOD: Good[] = [
  ["img://127.0.0.1:5000/app", {
    host: "127.0.0.1:5000",
    apiBase: "http://127.0.0.1:5000",
    repository: "app",
    app: "app",
  }],
  ["img://localhost:5000/org/app", {
    host: "localhost:5000",
    apiBase: "http://localhost:5000",
    repository: "org/app",
    app: "app",
  }],
  ["img://localhost/app", { host: "localhost", apiBase: "http://localhost", repository: "app" }],
  ["img://[::1]:5000/app", { host: "[::1]:5000", apiBase: "http://[::1]:5000", repository: "app" }],
  ["img://ghcr.io/acme/api", {
    host: "ghcr.io",
    apiBase: "https://ghcr.io",
    repository: "acme/api",
    app: "api",
  }],
  ["img://GHCR.io/acme/api", { host: "ghcr.io", repository: "acme/api" }],
  ["img://registry.example.com:8443/a/b/c", {
    host: "registry.example.com:8443",
    apiBase: "https://registry.example.com:8443",
    repository: "a/b/c",
    app: "c",
  }],
  ["img://10.0.0.5:5000/app?insecure=true", { apiBase: "http://10.0.0.5:5000", insecure: true }],
  ["img://10.0.0.5:5000/app", { apiBase: "https://10.0.0.5:5000", insecure: false }],
  ["img://docker.io/nginx", {
    host: "docker.io",
    apiBase: "https://registry-1.docker.io",
    repository: "library/nginx",
    app: "nginx",
  }],
  ["img://index.docker.io/nginx", {
    host: "docker.io",
    apiBase: "https://registry-1.docker.io",
    repository: "library/nginx",
  }],
  ["img://docker.io:443/nginx", { host: "docker.io", repository: "library/nginx" }],
  ["img://registry-1.docker.io/bitnami/redis", { host: "docker.io", repository: "bitnami/redis" }],
  ["img://myuser/myapp", {
    host: "docker.io",
    apiBase: "https://registry-1.docker.io",
    repository: "myuser/myapp",
    app: "myapp",
  }],
  ["img://nginx", { host: "docker.io", repository: "library/nginx", app: "nginx" }],
  ["img://linuxserver/a/b", { host: "docker.io", repository: "linuxserver/a/b" }],
  ["img://ghcr.io/a/b?pre-release=true", { preRelease: true, calver: "" }],
  ["img://ghcr.io/a/b?pre-release=false", { preRelease: false }],
  ["img://ghcr.io/a/b?pre-release=T", { preRelease: true }],
  ["img://ghcr.io/a/b?insecure=f", { insecure: false }],
  ["img://ghcr.io/a/b?calver=YYYY.0M.0D", { calver: "YYYY.0M.0D" }],
  ["img://ghcr.io/a/b", { calver: "YY.MM.MICRO" }, "YY.MM.MICRO"],
  ["img://ghcr.io/a/b?calver=YYYY.0M", { calver: "YYYY.0M" }, "YYYY.0M"],
  ["img://ghcr.io/my-org/my_app.v2", { repository: "my-org/my_app.v2", app: "my_app.v2" }],
];

for (const [url, expected, calver] of GOOD) {
  test(`registry url: ${url}${calver ? ` --calver ${calver}` : ""}`, () => {
    const parsed = parseImageUrl(url, { calver });
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(parsed[key as keyof ImageRef], value, key);
    }
  });
}

type Bad = [url: string, mentions: string, flag?: string, calver?: string];

const BAD: Bad[] = [
  ["img:///app", "registry host is required"],
  ["img://docker.io", "repository path is required"],
  ["img://ghcr.io/", "repository path is required"],
  ["https://ghcr.io/a/b", "https://ghcr.io/a/b"],
  ["ghcr.io/a/b", "ghcr.io/a/b"],
  ["img://ghcr.io/a/b?constraint=1.2.3.4", `constraint "1.2.3.4" is not a semver range`],
  ["img://ghcr.io/a/b?slot=blue", `"slot"`],
  ["img://ghcr.io/a/b?prerelease=true", `"prerelease"`],
  ["img://ghcr.io/a/b?pre-release=yes", "pre-release=yes"],
  ["img://ghcr.io/a/b?insecure=maybe", "insecure=maybe"],
  ["img://ghcr.io/a/b:v1.0.0", `":v1.0.0"`],
  ["img://ghcr.io/a/b@sha256:abc", `"@sha256:abc"`],
  ["img://ghcr.io/Acme/App", `"Acme/App"`],
  ["img://ghcr.io/a//b", `"a//b"`],
  ["img://ghcr.io/a/b/", `"a/b/"`],
  ["img://ghcr.io/-a", `"-a"`],
  ["img://user:secret@ghcr.io/a", "credentials do not belong"],
  ["img://ghcr.io:99999/a", `port "99999"`],
  ["img://ghcr.io:/a", `port ""`],
  ["img://bad_host.io/a", `"bad_host.io"`],
  ["img://ghcr.io/a?calver=YYYY&calver=0M", `"calver" is given 2 times (calver=YYYY, calver=0M)`],
  ["img://ghcr.io/a?pre-release=true&insecure=true&pre-release=false", `"pre-release" is given 2`],
  ["img://ghcr.io/a?calver=abc", `"abc"`, "--calver"],
  ["img://ghcr.io/a?calver=YYYY", `"YY"`, "--calver", "YY"],
  ["img://ghcr.io/a", `"YYYY/MM"`, "--calver", "YYYY/MM"],
];

for (const [url, mentions, flag = "--registry", calver] of BAD) {
  test(`registry url: rejects ${url}${calver ? ` --calver ${calver}` : ""}`, () => {
    assert.throws(
      () => parseImageUrl(url, { calver }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.equal(e.flag, flag);
        assert.ok(e.message.includes(mentions), `${e.message} should mention ${mentions}`);
        assert.ok(!e.message.includes("\n"), "one line");
        return true;
      },
    );
  });
}
