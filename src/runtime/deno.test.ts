/** The runtime contract on the Deno adapter (skipped on other runtimes). */
import { runtimeContract } from "./contract.ts";
import { runtimeName } from "./detect.ts";

runtimeContract(
  "deno",
  async () => (await import("./deno.ts")).denoRuntime,
  runtimeName === "deno" ? undefined : "the Deno adapter runs on Deno only",
);
