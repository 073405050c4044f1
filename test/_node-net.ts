/**
 * node:net for tests kept beside their modules in src/: test servers and raw clients are test
 * infrastructure, and src/ outside src/runtime/ never imports node:net itself.
 *
 * @module
 */
export * from "node:net";
export { default } from "node:net";
