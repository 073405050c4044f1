/**
 * `--port PROXY[:CONTAINER]` values into port mappings.
 *
 * @module
 */
import type { PortMapping } from "../config.ts";
import { ConfigError } from "../errors.ts";

const FLAG = "--port";
const FORMAT = "give PROXY or PROXY:CONTAINER, e.g. --port 8080 or --port 8080:80";

function portNumber(spec: string, which: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new ConfigError(
      FLAG,
      `--port "${spec}": ${which} port "${text}" must be a number 1-65535`,
    );
  }
  return Number(text);
}

function parseOne(raw: string): PortMapping {
  const spec = raw.trim();
  if (spec === "") throw new ConfigError(FLAG, `--port is empty; ${FORMAT}`);
  if (/,|\d-\d/.test(spec)) {
    throw new ConfigError(
      FLAG,
      `--port "${spec}": ranges and lists are not supported in container mode; repeat --port for each port`,
    );
  }
  const parts = spec.split(":");
  if (parts.length > 2) throw new ConfigError(FLAG, `--port "${spec}" has too many ":"; ${FORMAT}`);
  return {
    proxyPort: portNumber(spec, "proxy", parts[0].trim()),
    containerPort: parts.length === 2 ? portNumber(spec, "container", parts[1].trim()) : 0,
  };
}

/**
 * Parse every `--port` value. At least one is required and proxy ports must be unique;
 * a mapping without `:CONTAINER` gets `containerPort: 0` (the image's EXPOSEd port).
 *
 * @example
 * ```ts
 * parsePortMappings(["8080:80", "9090"]);
 * // [{ proxyPort: 8080, containerPort: 80 }, { proxyPort: 9090, containerPort: 0 }]
 * ```
 */
export function parsePortMappings(values: string[]): PortMapping[] {
  if (values.length === 0) {
    throw new ConfigError(FLAG, `missing --port: ${FORMAT}`);
  }
  const seen = new Set<number>();
  return values.map((value) => {
    const mapping = parseOne(value);
    if (seen.has(mapping.proxyPort)) {
      throw new ConfigError(
        FLAG,
        `--port: proxy port ${mapping.proxyPort} is given twice; each proxy port can be used once`,
      );
    }
    seen.add(mapping.proxyPort);
    return mapping;
  });
}
