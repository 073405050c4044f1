/**
 * Port resolution: which container port each `--port` mapping forwards to. A mapping with
 * container port 0 takes the image's single EXPOSEd TCP port.
 *
 * @module
 */
import type { PortMapping } from "../config.ts";
import { PortResolutionError } from "./errors.ts";

/** A `--port` mapping with its container port known. */
export interface ResolvedPort {
  /** Public proxy port. */
  proxyPort: number;
  /** Port inside the container (never 0). */
  containerPort: number;
}

/** Whether any mapping needs the image's EXPOSE to be resolved. */
function needsExposedPort(mappings: readonly PortMapping[]): boolean {
  return mappings.some((m) => m.containerPort === 0);
}

/**
 * Resolve every mapping. Throws {@link PortResolutionError} naming `image` and its ports when
 * a mapping needs auto-detection and the image does not expose exactly one TCP port.
 */
export function resolvePorts(
  mappings: readonly PortMapping[],
  image: string,
  exposedTcpPorts: readonly number[],
): ResolvedPort[] {
  if (needsExposedPort(mappings) && exposedTcpPorts.length !== 1) {
    throw new PortResolutionError(image, exposedTcpPorts);
  }
  return mappings.map((m) => ({
    proxyPort: m.proxyPort,
    containerPort: m.containerPort || exposedTcpPorts[0],
  }));
}

/** The distinct container ports to publish, in mapping order. */
export function publishedPorts(ports: readonly ResolvedPort[]): number[] {
  return [...new Set(ports.map((p) => p.containerPort))];
}
