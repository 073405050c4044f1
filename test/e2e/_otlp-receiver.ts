/**
 * A real OTLP/gRPC metrics receiver for tests: a grpc-js server with a generic handler on
 * `MetricsService/Export`, decoding with `ExportMetricsServiceRequest` generated from the
 * official OTLP protos (shipped by `@opentelemetry/otlp-transformer@0.52.1`, installed as the
 * `otlp-proto` alias). Plaintext or TLS, with `openssl`-made certificates for `localhost`.
 *
 * The receiver runs as its own process under Bun, like a real collector: a grpc-js *server*
 * with TLS does not work under Deno 2.9 (its `node:http2` secure server fails the handshake
 * with "HandshakePayloadTooLarge"), while dewy's side — the grpc-js *client* — works on both.
 * Run as a program it prints `{"port":N}` and then one `{"export":[...],"headers":{...}}` line
 * per Export call.
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import root from "otlp-proto/build/src/generated/root.js";

const EXPORT_PATH = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

const collector = (root as any).opentelemetry.proto.collector.metrics.v1;

/** One OTLP attribute value, as decoded (`intValue` as a number). */
export type AttributeValue = string | number | boolean | undefined;

/** One data point, flattened. */
export interface ReceivedPoint {
  attributes: Record<string, AttributeValue>;
  /** Sum/gauge value (`asInt` or `asDouble`). */
  value?: number;
  /** Histogram fields. */
  count?: number;
  sum?: number;
  explicitBounds?: number[];
  bucketCounts?: number[];
}

/** One metric of one export, flattened with its resource and scope. */
export interface ReceivedMetric {
  name: string;
  unit: string;
  description: string;
  /** `sum`, `gauge` or `histogram`. */
  kind: string;
  /** For sums. */
  isMonotonic?: boolean;
  /** `AGGREGATION_TEMPORALITY_CUMULATIVE` or `..._DELTA`. */
  temporality?: string;
  points: ReceivedPoint[];
  scope: string;
  resource: Record<string, AttributeValue>;
}

/** A running receiver process. */
export interface OtlpReceiver {
  /** Bound port on 127.0.0.1 (connect to `localhost:PORT` for TLS). */
  port: number;
  /** Each Export call, flattened, in arrival order. */
  exports: ReceivedMetric[][];
  /** The gRPC request headers (metadata) of each Export call, in arrival order. */
  headers: Record<string, string>[];
  /** Resolve when `predicate` holds on the exports so far, polling; reject after `timeoutMs`. */
  waitFor(
    predicate: (exports: ReceivedMetric[][]) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<void>;
  /** Stop the receiver process. */
  close(): Promise<void>;
}

/** PEM files for a TLS receiver. */
export interface TlsFiles {
  /** CA certificate file the client must trust (`OTEL_EXPORTER_OTLP_CERTIFICATE`). */
  caPath: string;
  /** Server certificate (CN/SAN `localhost`, signed by the CA). */
  certPath: string;
  /** Server private key. */
  keyPath: string;
  /** Remove the files. */
  remove(): void;
}

/** Make a CA and a `localhost` server certificate with openssl in a temporary folder. */
export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), "dewy-otlp-tls-"));
  // `openssl` with the words of `command` (no spaces inside arguments) in the temp folder.
  const ssl = (command: string) =>
    execFileSync("openssl", command.split(" "), { cwd: dir, stdio: "pipe" });
  ssl(
    "req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=dewy-test-CA -keyout ca.key -out ca.pem " +
      "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
  );
  ssl("req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr");
  writeFileSync(
    join(dir, "server.ext"),
    "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n" +
      "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
  );
  ssl(
    "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -out server.pem " +
      "-extfile server.ext",
  );
  return {
    caPath: join(dir, "ca.pem"),
    certPath: join(dir, "server.pem"),
    keyPath: join(dir, "server.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function attributes(
  list: Array<{ key: string; value?: Record<string, unknown> }> = [],
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of list) {
    const v = value ?? {};
    out[key] = (v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue) as AttributeValue;
  }
  return out;
}

/** Flatten one decoded ExportMetricsServiceRequest. */
function flatten(request: any): ReceivedMetric[] {
  const metrics: ReceivedMetric[] = [];
  for (const rm of request.resourceMetrics ?? []) {
    const resource = attributes(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const kind = ["sum", "gauge", "histogram", "exponentialHistogram", "summary"].find((k) =>
          m[k]
        ) ?? "?";
        const data = m[kind] ?? {};
        metrics.push({
          name: m.name,
          unit: m.unit ?? "",
          description: m.description ?? "",
          kind,
          isMonotonic: kind === "sum" ? data.isMonotonic ?? false : undefined,
          temporality: data.aggregationTemporality,
          points: (data.dataPoints ?? []).map((p: any) => ({
            attributes: attributes(p.attributes),
            value: p.asDouble ?? p.asInt,
            count: p.count,
            sum: p.sum,
            explicitBounds: p.explicitBounds,
            bucketCounts: p.bucketCounts,
          })),
          scope: sm.scope?.name ?? "",
          resource,
        });
      }
    }
  }
  return metrics;
}

/** Options of {@link startOtlpReceiver}. */
export interface OtlpReceiverOptions {
  /** Serve TLS with these files; plaintext without. */
  tls?: TlsFiles;
  /** Port to bind on 127.0.0.1 (default: any free one). */
  port?: number;
}

/** Serve in this process; `onExport` gets each decoded call and its headers. Resolves the bound port. */
async function serve(
  options: { certPath?: string; keyPath?: string; port: number },
  onExport: (metrics: ReceivedMetric[], headers: Record<string, string>) => void,
): Promise<number> {
  const server = new grpc.Server();
  const identity = (b: Buffer) => b;
  server.addService({
    Export: {
      path: EXPORT_PATH,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  }, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const decoded = collector.ExportMetricsServiceRequest.decode(call.request);
      onExport(
        flatten(
          collector.ExportMetricsServiceRequest.toObject(decoded, {
            longs: Number,
            enums: String,
            arrays: true,
          }),
        ),
        Object.fromEntries(Object.entries(call.metadata.getMap()).map(([k, v]) => [k, String(v)])),
      );
      callback(null, Buffer.from(collector.ExportMetricsServiceResponse.encode({}).finish()));
    },
  });
  const credentials = options.certPath && options.keyPath
    ? grpc.ServerCredentials.createSsl(null, [{
      private_key: readFileSync(options.keyPath),
      cert_chain: readFileSync(options.certPath),
    }], false)
    : grpc.ServerCredentials.createInsecure();
  return await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `127.0.0.1:${options.port}`,
      credentials,
      (error, bound) => error ? reject(error) : resolve(bound),
    )
  );
}

/** The Bun binary of the project (a devDependency), which runs the receiver. */
export const BUN = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));

/** Start a receiver process on 127.0.0.1 (plaintext, or TLS with `tls`); resolves once bound. */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const args = [fileURLToPath(import.meta.url), String(options.port ?? 0)];
  if (options.tls) args.push(options.tls.certPath, options.tls.keyPath);
  const child: ChildProcess = spawn(BUN, args, { stdio: ["pipe", "pipe", "pipe"] });
  const exports: ReceivedMetric[][] = [];
  const headers: Record<string, string>[] = [];
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const message = JSON.parse(line);
      if (message.port) resolve(message.port);
      else {
        exports.push(message.export);
        headers.push(message.headers);
      }
    });
    exited.then(() =>
      reject(new Error(`OTLP receiver exited before binding: ${stderr.slice(-500)}`))
    );
  });
  return {
    port,
    exports,
    headers,
    async waitFor(predicate, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(exports)) {
        if (Date.now() > deadline) {
          throw new Error(
            `OTLP receiver: timed out after ${timeoutMs} ms waiting for ${what} (${exports.length} exports)`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      child.stdin!.end(); // the receiver exits when its stdin closes
      await exited;
    },
  };
}

/** The last received data of metric `name`, or undefined. */
export function lastMetric(exports: ReceivedMetric[][], name: string): ReceivedMetric | undefined {
  for (let i = exports.length - 1; i >= 0; i--) {
    const found = exports[i].find((m) => m.name === name);
    if (found) return found;
  }
  return undefined;
}

if (import.meta.main) {
  const [port, certPath, keyPath] = process.argv.slice(2);
  const bound = await serve(
    { port: Number(port), certPath, keyPath },
    (metrics, headers) => process.stdout.write(JSON.stringify({ export: metrics, headers }) + "\n"),
  );
  process.stdout.write(JSON.stringify({ port: bound }) + "\n");
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
