/**
 * The OpenTelemetry resource dewy reports: `service.name=dewy`, `service.version`, merged with
 * the operator's `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`.
 *
 * @module
 */
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import { parseKeyValues } from "./key-values.ts";

/** Reads one environment variable (the runtime's `env`). */
export type EnvGetter = (name: string) => string | undefined;

/**
 * dewy's resource. The environment wins over the built-in values, so an operator can rename the
 * service (`OTEL_SERVICE_NAME` wins over a `service.name` in `OTEL_RESOURCE_ATTRIBUTES`).
 * Throws a `ConfigError` for a malformed `OTEL_RESOURCE_ATTRIBUTES`.
 */
export function buildResource(version: string, env: EnvGetter): Resource {
  const attributes: Record<string, string> = {
    "service.name": "dewy",
    "service.version": version,
    ...parseKeyValues(env("OTEL_RESOURCE_ATTRIBUTES") ?? "", "OTEL_RESOURCE_ATTRIBUTES"),
  };
  const serviceName = env("OTEL_SERVICE_NAME")?.trim();
  if (serviceName) attributes["service.name"] = serviceName;
  return resourceFromAttributes(attributes);
}
