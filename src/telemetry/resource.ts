/**
 * The OpenTelemetry resource dewy reports: `service.name=dewy`, `service.version`, merged with
 * the operator's `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`.
 *
 * @module
 */
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import { ConfigError } from "../errors.ts";

/** Reads one environment variable (the runtime's `env`). */
export type EnvGetter = (name: string) => string | undefined;

/**
 * Parse `OTEL_RESOURCE_ATTRIBUTES` (`key=value,key2=value2`, values percent-encoded).
 * Throws a {@link ConfigError} naming the bad entry.
 */
export function parseResourceAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const entry of text.split(",")) {
    if (entry.trim() === "") continue;
    const eq = entry.indexOf("=");
    const key = eq > 0 ? entry.slice(0, eq).trim() : "";
    if (key === "") {
      throw new ConfigError(
        "OTEL_RESOURCE_ATTRIBUTES",
        `OTEL_RESOURCE_ATTRIBUTES entry "${entry}" is not key=value (use e.g. deployment.environment=prod)`,
      );
    }
    try {
      attributes[key] = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch (cause) {
      throw new ConfigError(
        "OTEL_RESOURCE_ATTRIBUTES",
        `OTEL_RESOURCE_ATTRIBUTES value of "${key}" is not valid percent-encoding: fix or encode it`,
        { cause },
      );
    }
  }
  return attributes;
}

/**
 * dewy's resource. The environment wins over the built-in values, so an operator can rename the
 * service (`OTEL_SERVICE_NAME` wins over a `service.name` in `OTEL_RESOURCE_ATTRIBUTES`).
 */
export function buildResource(version: string, env: EnvGetter): Resource {
  const attributes: Record<string, string> = {
    "service.name": "dewy",
    "service.version": version,
    ...parseResourceAttributes(env("OTEL_RESOURCE_ATTRIBUTES") ?? ""),
  };
  const serviceName = env("OTEL_SERVICE_NAME")?.trim();
  if (serviceName) attributes["service.name"] = serviceName;
  return resourceFromAttributes(attributes);
}
