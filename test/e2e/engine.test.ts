/**
 * e2e: the Docker Engine API client against the engine of `ENGINE_SOCK` (real dockerd, or
 * podman with ENGINE=podman). Start it with `eval "$(bash test/services/engine-up.sh)"`.
 */
import process from "node:process";
import { engineSuite } from "./_engine-suite.ts";

engineSuite(
  process.env.ENGINE_KIND ?? "docker",
  process.env.ENGINE_SOCK,
  'ENGINE_SOCK is not set: run eval "$(bash test/services/engine-up.sh)" first',
);
