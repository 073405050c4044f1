// A bulk sender and a slow reader, run under Node in a separate process so that only the
// proxy's memory is measured by the test process.
//   node test/_bulk.mjs serve BYTES         → prints the port, sends BYTES to each connection
//   node test/_bulk.mjs read PORT BYTES     → reads slowly from PORT, prints the bytes received
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
}
