import { isAbsolute, join, resolve } from "node:path";

/**
 * Where `scan` caches parsed rule packs: $CUSTODIET_CACHE_DIR (empty turns the cache off), else the user's
 * cache folder ($XDG_CACHE_HOME, %LOCALAPPDATA% or ~/.cache, then "custodiet"). Undefined when none is known.
 */
export function ruleCacheDir(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string | undefined {
  const explicit = env["CUSTODIET_CACHE_DIR"];
  if (explicit !== undefined) return explicit === "" ? undefined : resolve(cwd, explicit);
  const base =
    nonEmpty(env["XDG_CACHE_HOME"]) ??
    nonEmpty(env["LOCALAPPDATA"]) ??
    (nonEmpty(env["HOME"]) !== undefined ? join(env["HOME"]!, ".cache") : undefined);
  return base !== undefined && isAbsolute(base) ? join(base, "custodiet") : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
