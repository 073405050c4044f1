/**
 * The texts of dewy's notifications, Go Dewy's words, in one place so the deploy manager,
 * the notifiers and the tests use the same words.
 *
 * @module
 */

/** Errors after which error notifications stop until a check succeeds again. */
export const MAX_NOTIFIED_ERRORS = 3;

/** Start-up: ``Automatic shipping started by *Dewy* (v<version>: container|service)``. */
export function startedMessage(
  version: string,
  command: "container" | "service" = "container",
): string {
  return `Automatic shipping started by *Dewy* (v${version}: ${command})`;
}

/** After a successful pull: ``Pulled image for `<tag>` ``. */
export function pulledMessage(tag: string): string {
  return `Pulled image for \`${tag}\``;
}

/** What a finished deploy reports. */
export interface DeployedInfo {
  /** Replicas started by this deploy. */
  started: number;
  /** Replicas wanted (`--replicas`, at least 1). */
  total: number;
  /** The deployed tag. */
  tag: string;
}

/** After a rolling deploy: ``Container deployed successfully: `N/M` replicas of `<tag>` ``. */
export function deployedMessage(info: DeployedInfo): string {
  return `Container deployed successfully: \`${info.started}/${
    Math.max(1, info.total)
  }\` replicas of \`${info.tag}\``;
}

/** What a completed service update reports. */
export interface ServiceUpdatedInfo {
  /** The Swarm service. */
  service: string;
  /** The deployed tag. */
  tag: string;
  /** Tasks running when the update completed. */
  running: number;
  /** Tasks the service wants; `undefined` for a global service. */
  desired: number | undefined;
}

/** After a service update: ``Service `web` updated to `<tag>`: `N/M` tasks running``. */
export function serviceUpdatedMessage(info: ServiceUpdatedInfo): string {
  return `Service \`${info.service}\` updated to \`${info.tag}\`: \`${info.running}/${
    info.desired ?? info.running
  }\` tasks running`;
}

/** On SIGUSR1 (container mode only reports it). */
export const RESTARTED_MESSAGE = "Restarted receiving by `SIGUSR1` signal";

/** The signals that stop dewy, with the names Go prints for them (as Go Dewy's messages say). */
const STOP_SIGNAL_NAMES = { SIGINT: "interrupt", SIGTERM: "terminated", SIGQUIT: "quit" } as const;

/** A signal that stops dewy. */
export type StopSignal = keyof typeof STOP_SIGNAL_NAMES;

/** At shutdown: ``Stop receiving by `interrupt|terminated|quit` signal``. */
export function stoppedMessage(signal: StopSignal): string {
  return `Stop receiving by \`${STOP_SIGNAL_NAMES[signal]}\` signal`;
}

/**
 * The text of the `count`-th consecutive error: `Error occurred (count: N): <error>`, with the
 * warning that silence follows on the {@link MAX_NOTIFIED_ERRORS}-th.
 */
export function errorCountMessage(count: number, error: string): string {
  const text = `Error occurred (count: ${count}): ${error}`;
  return count === MAX_NOTIFIED_ERRORS
    ? `⚠️ No more error notifications will be sent until errors are resolved.\n\n${text}`
    : text;
}
