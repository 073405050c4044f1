/**
 * The `key=value,key2=value2` lists of the OpenTelemetry environment
 * (`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_EXPORTER_OTLP_HEADERS`), values percent-encoded.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";

/**
 * Parse the list held by environment variable `variable`. Throws a {@link ConfigError} naming
 * the variable and the bad entry.
 *
 * @example
 * ```ts
 * parseKeyValues("deployment.environment=prod,team=a%20b", "OTEL_RESOURCE_ATTRIBUTES");
 * // { "deployment.environment": "prod", team: "a b" }
 * ```
 */
export function parseKeyValues(text: string, variable: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const entry of text.split(",")) {
    if (entry.trim() === "") continue;
    const eq = entry.indexOf("=");
    const key = eq > 0 ? entry.slice(0, eq).trim() : "";
    if (key === "") {
      throw new ConfigError(
        variable,
        `${variable} entry "${entry}" is not key=value (e.g. ${variable}=key1=value1,key2=value2)`,
      );
    }
    try {
      pairs[key] = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch (cause) {
      throw new ConfigError(
        variable,
        `${variable} value of "${key}" is not valid percent-encoding: fix or encode it`,
        { cause },
      );
    }
  }
  return pairs;
}
