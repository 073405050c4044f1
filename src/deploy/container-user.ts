/**
 * Who a container runs as when `-- -u/--user` is not given.
 *
 * @module
 */

/**
 * dewy's own `uid:gid`, so files the app writes to bind mounts belong to whoever runs dewy —
 * except under root (or with no uid, as on Windows): then `User` is left unset and the image's
 * `USER` decides, since forcing `0:0` would run an image built for a non-root user as root.
 *
 * @example `defaultContainerUser(1000, 1000)` is `"1000:1000"`; `defaultContainerUser(0, 0)` is `undefined`
 */
export function defaultContainerUser(
  uid: number | undefined,
  gid: number | undefined,
): string | undefined {
  if (uid === undefined || uid === 0) return undefined;
  return `${uid}:${gid ?? uid}`;
}
