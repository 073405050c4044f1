/**
 * Where the proxy and the health check dial a replica: its own address on the engine's network
 * (`172.17.0.3:8080`) when the host reaches it (rootful Docker and Podman bridges), else the
 * published `127.0.0.1` port. The bridge address does not depend on the engine's NAT rules or
 * port forwarders, which vanish for a moment whenever the engine restarts or a firewall reloads.
 * The replica's first health check decides (see `waitHealthy`): the address is used only when
 * the app answered there.
 *
 * @module
 */

/** One dialable `host:port`. */
export interface Endpoint {
  /** Address to dial: the container's bridge address or `127.0.0.1`. */
  host: string;
  /** Port to dial: the container port, or the published host port. */
  port: number;
}

/** What a replica needs to be dialled. */
export interface Dialable {
  /** Published host port per container port. */
  hostPorts: ReadonlyMap<number, number>;
  /** The container's address on its engine network, as the engine reports it. */
  address?: string;
  /** Set once the app answered its health check at {@link address}: dial it there. */
  direct?: boolean;
}

/** Where to dial `replica`'s `containerPort`. */
export function endpointOf(replica: Dialable, containerPort: number): Endpoint {
  if (replica.direct && replica.address) return { host: replica.address, port: containerPort };
  return publishedEndpoint(replica, containerPort);
}

/** The published loopback port of `replica`'s `containerPort`. */
export function publishedEndpoint(replica: Dialable, containerPort: number): Endpoint {
  return { host: "127.0.0.1", port: replica.hostPorts.get(containerPort)! };
}

/** The address to try first, before the replica's health check decided; none without one. */
export function candidateEndpoint(replica: Dialable, containerPort: number): Endpoint | undefined {
  return replica.address ? { host: replica.address, port: containerPort } : undefined;
}

/** `host:port`, brackets around an IPv6 host. */
export function endpointText({ host, port }: Endpoint): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
