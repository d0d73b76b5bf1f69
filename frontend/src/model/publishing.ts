// Why a draft cannot be published: the server refuses a workflow with errors, and the
// toolbar says so before the admin tries.
import { placeOf, withNames, type Names } from "./names";
import type { Problem } from "./types";

export interface PublishBlocker { count: number; message: string; where: string }

/** The first error and how many there are, or null when nothing stops publishing. */
export function publishBlocker(problems: readonly Problem[], names: Names): PublishBlocker | null {
  const errors = problems.filter((p) => p.severity === "error");
  if (!errors.length) return null;
  return { count: errors.length, message: withNames(errors[0].message, names), where: placeOf(errors[0], names) };
}
