/**
 * node:http for tests kept beside their modules in src/: fake Slack, engine and admin servers
 * are test infrastructure, and src/ outside src/runtime/ never imports node:http itself.
 *
 * @module
 */
export * from "node:http";
export { default } from "node:http";
