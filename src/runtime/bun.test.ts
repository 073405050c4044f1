/** The runtime contract on the Bun adapter (skipped on other runtimes). */
import { runtimeContract } from "./contract.ts";
import { runtimeName } from "./detect.ts";

runtimeContract(
  "bun",
  async () => (await import("./bun.ts")).bunRuntime,
  runtimeName === "bun" ? undefined : "the Bun adapter runs on Bun only",
);
