// What each role may do, as the pages need to know it to hide what a role cannot use.
// It mirrors designer/auth/policy.py; the server refuses with 403 whatever is shown.
import type { Role, SessionUser } from "./session";
import { useSession } from "./session";

export type Capability =
  /** create, edit, import, publish, activate, delete workflows */
  | "design"
  /** pause, resume, cancel, retry, skip, reassign, bulk actions on runs */
  | "operate"
  /** complete work items (agents: their own) */
  | "work"
  /** accounts and API tokens */
  | "manage_accounts";

const GRANTS: Record<Role, ReadonlySet<Capability>> = {
  admin: new Set<Capability>(["design", "operate", "work", "manage_accounts"]),
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
