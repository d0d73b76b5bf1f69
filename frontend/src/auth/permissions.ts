// What each role may do, as the pages need to know it to hide what a role cannot use.
// It mirrors designer/auth/policy.py; the server refuses with 403 whatever is shown.
import type { Role, SessionUser } from "./session";
import { useSession } from "./session";

export type Capability =
  /** create, edit, import, publish, activate, delete workflows */
  | "design"
  /** pause, resume, cancel, retry, skip, reassign, bulk actions on runs; see a move's impact */
  | "operate"
  /** move running cases to another version */
  | "move_runs"
  /** complete work items (agents: their own) */
  | "work"
  /** accounts and API tokens */
  | "manage_accounts";

const GRANTS: Record<Role, ReadonlySet<Capability>> = {
  admin: new Set<Capability>(["design", "operate", "move_runs", "work", "manage_accounts"]),
  supervisor: new Set<Capability>(["operate", "work"]),
  agent: new Set<Capability>(["work"]),
  viewer: new Set<Capability>(),
};

export function can(user: SessionUser | null, capability: Capability): boolean {
  return user !== null && GRANTS[user.role].has(capability);
}

/** Whether the signed-in account has ``capability``; re-renders when the account changes. */
export function useCan(capability: Capability): boolean {
  return useSession((s) => can(s.user, capability));
}

export const ROLE_LABELS: Record<Role, string> = {
  admin: "Admin",
  supervisor: "Supervisor",
  agent: "Agent",
  viewer: "Viewer",
};

// Pages whose data only some roles may read; the header offers them to those roles only.
// (An agent opening one by URL still gets the API's 403, said on the page.)
const READERS: ReadonlySet<Role> = new Set<Role>(["admin", "supervisor", "viewer"]);
const PAGE_READERS: Record<string, ReadonlySet<Role>> = {
  cases: READERS,
  monitor: READERS,
  agents: READERS,
  metrics: READERS,
  salesforce: READERS,
  accounts: new Set<Role>(["admin"]),
};

/** Whether the header should offer the page named ``route`` to ``user``. */
export function mayVisit(user: SessionUser | null, route: string): boolean {
  const readers = PAGE_READERS[route];
  return user !== null && (readers === undefined || readers.has(user.role));
}
