// A bulk sender and a slow reader, run under Node in a separate process so that only the
// proxy's memory is measured by the test process.
//   node test/_bulk.mjs serve BYTES         → prints the port, sends BYTES to each connection
//   node test/_bulk.mjs read PORT BYTES     → reads slowly from PORT, prints the bytes received
//   node test/_bulk.mjs push PORT MS        → writes to PORT as fast as it is taken for MS ms,
//                                             prints "held N" (bytes taken by then), then waits
//                                             until all is taken, ends, prints "sent M"
import * as net from "node:net";

const [mode, a, b] = process.argv.slice(2);
if (mode === "serve") {
  const total = Number(a);
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = Math.min(chunk.length, total - sent);
        sent += piece;
        if (!socket.write(piece === chunk.length ? chunk : chunk.subarray(0, piece))) {
          return void socket.once("drain", pump);
        }
      }
      socket.end();
    };
    pump();
  });
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
  setTimeout(() => process.exit(0), 120_000).unref();
} else if (mode === "read") {
  const expected = Number(b);
  let received = 0;
  const socket = net.connect(Number(a), "127.0.0.1");
  const deadline = setTimeout(() => {
    console.log(received);
    process.exit(1);
  }, 90_000);
  socket.on("data", (d) => {
    received += d.length;
    // Slow: pause 20 ms after every ~1 MiB (≈ 50 MiB/s).
    if (received % (1024 * 1024) < d.length) {
      socket.pause();
      setTimeout(() => socket.resume(), 20);
    }
  });
  socket.on("close", () => {
    clearTimeout(deadline);
    console.log(received);
    process.exit(received === expected ? 0 : 1);
  });
} else if (mode === "push") {
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  const socket = net.connect(Number(a), "127.0.0.1");
  socket.on("error", () => process.exit(1));
  let taken = 0;
  let writing = true;
  const onTaken = () => void (taken += chunk.length);
  const pump = () => {
    while (writing) if (!socket.write(chunk, onTaken)) return void socket.once("drain", pump);
  };
  socket.on("connect", pump);
  setTimeout(() => {
    writing = false;
    console.log(`held ${taken}`);
    socket.end(() => {
      console.log(`sent ${taken}`);
      process.exit(0);
    });
  }, Number(b));
  setTimeout(() => process.exit(1), 60_000).unref();
}
