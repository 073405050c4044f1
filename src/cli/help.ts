/**
 * The `dewy --help` text: a complete reference of the commands, every flag with its
 * default (generated from the flag table), the passthrough options and the environment.
 *
 * @module
 */
import { ADMIN_PORT_ATTEMPTS } from "../admin/server.ts";
import { ADMIN_PORT } from "./flags.ts";
import { FLAGS, type FlagSpec } from "./flags.ts";
import { FORBIDDEN_LONG, FORBIDDEN_SHORT, SUPPORTED_RUN_OPTIONS } from "./passthrough.ts";

const WIDTH = 100;
const COLUMN = 36;

/** Words of `text` on lines of at most {@link WIDTH} columns; `(default: X)` stays whole. */
function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/(?<!default:) /)) {
    if (line !== "" && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines;
}

function entry(left: string, description: string): string {
  const [first, ...rest] = wrap(description, COLUMN);
  const head = left.length + 2 < COLUMN
    ? `  ${left}`.padEnd(COLUMN) + first
    : `  ${left}\n${" ".repeat(COLUMN)}${first}`;
  return [head, ...rest.map((line) => " ".repeat(COLUMN) + line)].join("\n");
}

function flagEntry(flag: FlagSpec): string {
  const names = flag.short ? `-${flag.short}, --${flag.name}` : `    --${flag.name}`;
  return entry(flag.arg ? `${names} ${flag.arg}` : names, flag.help);
}

function paragraph(text: string): string {
  return wrap(text, 2).map((line) => `  ${line}`).join("\n");
}

/** The full help text printed by `dewy --help` (and `dewy container --help`). */
export function helpText(): string {
  const forbidden = [...FORBIDDEN_LONG.map((o) => `--${o}`), ...FORBIDDEN_SHORT.map((o) => `-${o}`)]
    .join(" ");
  return `dewy - keeps a container app on the newest image of its registry, with zero-downtime rolling
deploys behind its own TCP proxy; or, on a Swarm manager, keeps a Swarm service on it.

Usage:
  dewy container --registry img://HOST/REPO --port PROXY[:CONTAINER] [flags] [-- docker-run-options]
  dewy container list [--admin-port PORT]
  dewy container status|pause|resume|rollback|history [--admin-port PORT]
  dewy service --registry img://HOST/REPO --service NAME [flags]
  dewy service status|pause|resume|rollback|history [--admin-port PORT]
  dewy --version
  dewy --help

Commands:
${
    entry(
      "container",
      "poll the registry, run the newest version as --replicas containers on 127.0.0.1 random ports behind the proxy, roll out each new version (start, health-check, add, drain and remove the old), serve the admin API",
    )
  }
${
    entry(
      "container list",
      `show the containers of the dewy running on this host (asks its admin API on --admin-port and the next ${
        ADMIN_PORT_ATTEMPTS - 1
      } ports)`,
    )
  }
${
    entry(
      "container status",
      "what the running dewy serves (version, digest, replicas), whether it is paused or pinned and why, its last check, deploy and error, and its next check",
    )
  }
${
    entry(
      "container pause [--reason TEXT]",
      "stop automatic deploys (self-healing, health checks, the proxy and metrics go on); kept across restarts",
    )
  }
${entry("container resume", "automatic deploys again, with a registry check at once")}
${
    entry(
      "container rollback [VERSION]",
      "deploy VERSION (default: the version before the current one) the rolling, health-gated way, then stay pinned there until resume; --reason TEXT says why",
    )
  }
${
    entry(
      "container history",
      "the last 50 deploys: version, digest, start, duration, trigger (poll, api, rollback, heal) and outcome",
    )
  }

Flags (anywhere before --):
${FLAGS.map(flagEntry).join("\n")}
${
    entry(
      "service",
      "on a Swarm manager: poll the registry and update the existing Swarm service --service to each new version (docker service update with FailureAction rollback), follow the update to its end and report it; Swarm rolls the tasks out and back. No proxy runs: Swarm's routing mesh or your load balancer carries the traffic. --port, --replicas and options after -- are refused (the service spec owns them)",
    )
  }
${
    entry(
      "service status|pause|resume|rollback|history",
      "the same as for container, against a running dewy service (a rollback updates the service to that version's digest and pins it)",
    )
  }

  SECONDS values are whole seconds (30) or Go-style durations of whole seconds (45s, 5m, 1h30m).
  --port and --cmd may be repeated; for any other flag the last one wins. Both --flag VALUE and
  --flag=VALUE work; write --flag=VALUE for a value that starts with "-".

Registry URL (--registry):
${
    entry(
      "img://HOST[:PORT]/REPO",
      "OCI registry repository; newest tag by semver (vMAJ.MIN.PATCH); Docker Hub when HOST has no dot or port (img://nginx, img://user/app)",
    )
  }
${entry("?pre-release=true", "also consider pre-release tags (1.2.0-rc.1)")}
${entry("?calver=FORMAT", "calendar versions instead of semver, same as --calver")}
${entry("?insecure=true", "plain HTTP to a registry that is not on 127.0.0.1/localhost")}
${
    paragraph(
      "Credentials, first found: DOCKER_USERNAME with DOCKER_PASSWORD, GITHUB_TOKEN (ghcr.io), the auths of $DOCKER_CONFIG/config.json (default: ~/.docker/config.json). Credential helpers (credsStore, credHelpers) are not run; credentials set up but unusable are warned about at start-up.",
    )
  }

docker run options (after --):
${
    paragraph(
      `Supported: ${SUPPORTED_RUN_OPTIONS}. Values as the next word or glued on (-e K=V, --env=K=V, -eK=V); -m/--memory takes b, k, m, g, t units; -e NAME copies NAME from dewy's environment. Without -u/--user containers run as dewy's own uid:gid (under root: the image's USER).`,
    )
  }
${
    paragraph(
      `Rejected because dewy manages these itself: ${forbidden} (also in clusters like -dit), labels with the dewy. prefix, --network host/none/container:*.`,
    )
  }

Notifier URL (--notifier):
${entry("slack://CHANNEL", "?title=T&url=U&quiet=true&thread=true; needs SLACK_TOKEN")}
${
    entry(
      "mail://HOST[:PORT]/TO",
      "(or smtp://) ?username=&password=&from=&subject=&tls=false&quiet=true; port 587 by default, STARTTLS required unless tls=false; MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM fill in what the URL leaves out",
    )
  }

Environment:
${
    entry(
      "DOCKER_HOST",
      "engine socket as unix:///path (default: /var/run/docker.sock, or podman's socket)",
    )
  }
${
    entry(
      "DOCKER_USERNAME, DOCKER_PASSWORD",
      "registry credentials for tag listing and pulls (both, or neither is used)",
    )
  }
${entry("GITHUB_TOKEN", "credentials for ghcr.io")}
${
    entry(
      "DOCKER_CONFIG",
      "directory of the docker config.json whose auths are read (default: ~/.docker)",
    )
  }
${
    entry(
      "AWS_ECR_PASSWORD, GCR_TOKEN",
      "not read (the original Dewy's): use DOCKER_USERNAME=AWS (ECR) or _json_key (GCR) and DOCKER_PASSWORD",
    )
  }
${entry("SLACK_TOKEN", "Slack bot token of slack:// notifiers")}
${entry("MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM", "defaults of mail:// notifiers")}
${entry("OTEL_EXPORTER_OTLP_*", "further OTLP exporter settings (headers, certificate, timeout)")}

Exit codes: 0 done (or --help, --version), 1 runtime failure, 2 bad command line.

Examples:
  dewy container -r img://ghcr.io/acme/api -p 8080:80 --replicas 2 --health-path /health
  dewy container -r img://127.0.0.1:5000/app -p 8080 --telemetry -- -e MODE=prod -m 512m
  dewy container list --admin-port ${ADMIN_PORT}
`;
}
