/**
 * The Bun TCP relay: `allowHalfOpen` on both ends, a FIN forwarded with `shutdown()` (never
 * `end()`, which closes the whole socket), partial writes queued with the source paused until
 * `drain`. Measured to be both fast and correct on Bun.
 *
 * @module
 */
import type { Relay, RelayOptions, RelayResult, TcpConn } from "./types.ts";

// Minimal structural types for the parts of Bun used here (no dependency on @types/bun).
/** A Bun TCP socket, as far as the relay uses it. */
export interface BunSocket {
  data: Side;
  write(data: Uint8Array): number;
  shutdown(halfClose?: boolean): void;
  end(): void;
  terminate(): void;
  pause?(): void;
  resume?(): void;
}
/** The callbacks Bun calls on a socket's events. */
export interface BunSocketHandler {
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  end(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  binaryType?: "uint8array" | "buffer";
}
/**
 * One socket's state. `onAccept` sees the Side as the {@link TcpConn}; once a relay pairs
 * two Sides, `peer` points across and `queue` holds bytes the kernel did not take yet.
 */
export class Side implements TcpConn {
  readonly socket: BunSocket;
  peer: Side | null = null;
  relay: BunRelay | null = null;
  /** Bytes that arrived before the relay started (rare: sent before the backend answered). */
  early: Uint8Array[] | null = null;
  /** Bytes waiting to be written to this socket (backpressure). */
  queue: Uint8Array[] = [];
  /** The peer's FIN has to be forwarded to this socket once `queue` is flushed. */
  shutdownPending = false;
  /** This socket sent its FIN (or closed). */
  readEnded = false;
  /** We shut down this socket's write side. */
  writeShut = false;
  closed = false;
  upstream = false;

  // No setNoDelay(): Bun sets TCP_NODELAY on every accepted and dialled socket itself, a
  // second setsockopt per socket only costs a syscall on each new connection.
  constructor(socket: BunSocket) {
    this.socket = socket;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
  }
}

/** Relays bytes between two paired {@link Side}s, with backpressure and half-close. */
export class BunRelay implements Relay {
  clientToBackend = 0;
  backendToClient = 0;
  activity = 0;
  #client: Side;
  #backend: Side;
  #options: RelayOptions | null;
  #error: unknown = undefined;

  constructor(client: Side, backend: Side, options: RelayOptions) {
    this.#client = client;
    this.#backend = backend;
    this.#options = options;
    client.upstream = true;
    client.peer = backend;
    backend.peer = client;
    client.relay = this;
    backend.relay = this;
    this.#replayEarly(client);
    this.#replayEarly(backend);
    if (client.closed || backend.closed) this.close();
  }

  /** Forward what `side` received (and its FIN) before the relay existed. */
  #replayEarly(side: Side): void {
    const early = side.early;
    side.early = null;
    if (early) {
      for (const chunk of early) this.forward(side, chunk);
      if (side.peer!.queue.length === 0) side.socket.resume?.();
    }
    if (side.readEnded) this.sourceEnded(side);
  }

  /** Copy `chunk`, read from `from`, to its peer, queueing what the kernel does not take. */
  forward(from: Side, chunk: Uint8Array): void {
    const to = from.peer!;
    const n = chunk.length;
    if (from.upstream) this.clientToBackend += n;
    else this.backendToClient += n;
    this.activity++;
    if (to.queue.length > 0) {
      to.queue.push(chunk.slice());
      return;
    }
    const written = to.socket.write(chunk);
    if (written < n) {
      to.queue.push(chunk.slice(Math.max(written, 0)));
      from.socket.pause?.();
    }
  }

  /** `to` can take more bytes: write its queue, then let its peer read again. */
  drained(to: Side): void {
    const queue = to.queue;
    while (queue.length > 0) {
      const head = queue[0];
      const written = to.socket.write(head);
      if (written < head.length) {
        queue[0] = head.subarray(Math.max(written, 0));
        return;
      }
      queue.shift();
    }
    if (to.shutdownPending) this.#shutdown(to);
    else to.peer?.socket.resume?.();
  }

  /** `from` sent its FIN: forward it once everything before it was written. */
  sourceEnded(from: Side): void {
    from.readEnded = true;
    const to = from.peer!;
    if (to.queue.length > 0) to.shutdownPending = true;
    else this.#shutdown(to);
  }

  #shutdown(to: Side): void {
    to.shutdownPending = false;
    if (!to.writeShut && !to.closed) to.socket.shutdown();
    to.writeShut = true;
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    const c = this.#client, b = this.#backend;
    const done = (c.readEnded && b.writeShut) && (b.readEnded && c.writeShut);
    if (done) this.#end();
  }

  /** A socket closed: a clean close after our shutdown ends its direction; else abort. */
  socketClosed(side: Side, error?: unknown): void {
    side.closed = true;
    if (error !== undefined && this.#error === undefined) this.#error = error;
    if (!this.#options) return;
    if (!side.readEnded) this.sourceEnded(side);
    if (!side.writeShut || error !== undefined) this.close();
    else this.#maybeFinish();
  }

  failed(side: Side, error: unknown): void {
    if (this.#error === undefined) this.#error = error;
    side.closed = true;
    this.close();
  }

  #end(): void {
    const options = this.#options;
    if (!options) return;
    this.#options = null;
    this.#client.close();
    this.#backend.close();
    const result: RelayResult = {
      clientToBackend: this.clientToBackend,
      backendToClient: this.backendToClient,
      error: this.#error,
    };
    options.onEnd(result);
  }

  close(): void {
    this.#end();
  }
}

/** The socket handler shared by every accepted and dialled socket: events go to its Side's relay. */
export const handler: BunSocketHandler = {
  binaryType: "uint8array",
  open(socket) {
    socket.data = new Side(socket);
  },
  data(socket, chunk) {
    const side = socket.data;
    if (side.relay) side.relay.forward(side, chunk);
    else {
      // No relay yet: keep this chunk, and leave the rest in the kernel until there is one.
      (side.early ??= []).push(chunk.slice());
      socket.pause?.();
    }
  },
  drain(socket) {
    socket.data.relay?.drained(socket.data);
  },
  end(socket) {
    const side = socket.data;
    if (side.relay) side.relay.sourceEnded(side);
    else side.readEnded = true;
  },
  close(socket, error) {
    const side = socket.data;
    if (!side) return;
    if (side.relay) side.relay.socketClosed(side, error);
    else side.closed = true;
  },
  error(socket, error) {
    const side = socket.data;
    if (side?.relay) side.relay.failed(side, error);
    else if (side) side.closed = true;
  },
};
