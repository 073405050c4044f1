/**
 * Scraping `/metrics` once a second during a load run, as Prometheus would: a bounded shell
 * loop of `curl` on the load CPU, counting the answers that were 200.
 *
 * @module
 */
import { spawn } from "node:child_process";

/** A running scrape loop; {@link Scraper.stop} ends it and returns the count of 200s. */
export interface Scraper {
  /** Stop the loop; resolves with how many scrapes answered 200. */
  stop(): Promise<number>;
}

/** Scrape `http://127.0.0.1:adminPort/metrics` every second, at most `times` times. */
export function startScraper(adminPort: number, times: number, cpu: number): Scraper {
  const url = `http://127.0.0.1:${adminPort}/metrics`;
  // sleep's stdout is not the pipe, so a stopped loop is done at once (not after the sleep).
  const script =
    `for i in $(seq ${times}); do curl -s -m 1 -o /dev/null -w '%{http_code}\\n' ${url}; sleep 1 >/dev/null; done`;
  const child = spawn("taskset", [
    "-c",
    String(cpu),
    "timeout",
    "-s",
    "KILL",
    String(times * 3 + 5),
    "bash",
    "-c",
    script,
  ], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return {
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      return output.split("\n").filter((code) => code === "200").length;
    },
  };
}
