/**
 * The configuration files of the non-dewy parts of the benchmark, written into the work
 * directory: the nginx backend (`/small` 13 bytes, `/1m` 1 MiB, sendfile, unlimited
 * keep-alive), the haproxy reference (`mode tcp`, `nbthread 1`, `maxconn 8000`) and the
 * nginx stream reference (1 worker, `proxy_half_close on`).
 *
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** nginx's stream module as packaged by Debian (`libnginx-mod-stream`). */
const STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

/** Lines every nginx instance of the benchmark shares (foreground, own pid/log/temp files). */
function nginxPreamble(work: string, name: string): string {
  return `daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid ${join(work, `${name}.pid`)};
error_log ${join(work, `${name}.error.log`)} warn;
events { worker_connections 8192; }
`;
}

/** Write the backend's files and config; returns the config's path. */
export function writeBackendConfig(work: string, port: number): string {
  const www = join(work, "www");
  mkdirSync(www, { recursive: true });
  writeFileSync(join(www, "small"), "hello, dewy!\n");
  writeFileSync(join(www, "1m"), Buffer.alloc(1024 * 1024, "x"));
  const temp = join(work, "nginx-temp");
  mkdirSync(temp, { recursive: true });
  const path = join(work, "backend.conf");
  writeFileSync(
    path,
    `${nginxPreamble(work, "backend")}user root;
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path ${temp}; proxy_temp_path ${temp}; fastcgi_temp_path ${temp};
  uwsgi_temp_path ${temp}; scgi_temp_path ${temp};
  default_type application/octet-stream;
  server { listen 127.0.0.1:${port} backlog=4096; root ${www}; }
}
`,
  );
  return path;
}

/** Write the nginx stream proxy's config; returns its path. */
export function writeNginxStreamConfig(work: string, port: number, backendPort: number): string {
  const path = join(work, "nginx-stream.conf");
  writeFileSync(
    path,
    `load_module ${STREAM_MODULE};
${nginxPreamble(work, "nginx-stream")}stream {
  server {
    listen 127.0.0.1:${port} backlog=4096;
    proxy_pass 127.0.0.1:${backendPort};
    proxy_half_close on;
  }
}
`,
  );
  return path;
}

/** Write haproxy's config; returns its path. */
export function writeHaproxyConfig(work: string, port: number, backendPort: number): string {
  const path = join(work, "haproxy.cfg");
  writeFileSync(
    path,
    `global
  nbthread 1
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 300s
  timeout server 300s
frontend bench
  bind 127.0.0.1:${port}
  default_backend app
backend app
  server app1 127.0.0.1:${backendPort}
`,
  );
  return path;
}
