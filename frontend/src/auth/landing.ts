// Where a person lands after signing in.
import type { Role } from "./session";

/** The page to show after sign-in: the `next` link when there is one (only paths of this
 * app: never an absolute URL somebody slipped into the link); otherwise agents land on
 * their work, everyone else where they were (the workflows at "/"). Null: stay. */
export function landingPath(role: Role, pathname: string, next: string | null): string | null {
  const where = pathname.replace(/\/$/, "") || "/";
  const safeNext = next && next.startsWith("/") && !next.startsWith("//") ? next : null;
  if (where === "/login") return safeNext ?? (role === "agent" ? "/work" : "/");
  if (role === "agent" && (where === "/" || where === "/workflows")) return "/work";
  return null;
}
