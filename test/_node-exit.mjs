// Preloaded into every test file's process in the Node pass of test/run.sh (`--import`).
// `node --test` waits for a file's process to exit, so a server or socket left open would hang
// the pass until its time bound (Deno and Bun end a file when its tests end). After a file's
// last test, this gives it 10 s to let go, then fails the file naming what is still open.
import { after } from "node:test";
import process from "node:process";

after(() => {
  setTimeout(() => {
    // Timers count too (a pending 60 s bound keeps the file alive); one Timeout is this one.
    const open = process.getActiveResourcesInfo();
    console.error(`this test file left open: ${open.join(", ")} (close them in finally/after)`);
    process.exit(1);
  }, 10_000).unref();
});
