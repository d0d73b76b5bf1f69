import { describe, expect, it } from "vitest";
import { can, mayVisit } from "./permissions";
import type { Role } from "./session";

const user = (role: Role) => ({ username: role, role, agent_id: null, via: "session" as const });

describe("can", () => {
  it("lets only admins design", () => {
    expect(can(user("admin"), "design")).toBe(true);
    for (const role of ["supervisor", "agent", "viewer"] as const) expect(can(user(role), "design")).toBe(false);
  });
  it("lets supervisors operate runs but not agents or viewers", () => {
    expect(can(user("supervisor"), "operate")).toBe(true);
    expect(can(user("agent"), "operate")).toBe(false);
    expect(can(user("viewer"), "operate")).toBe(false);
  });
  it("lets only admins move running cases; supervisors see the impact (operate)", () => {
    expect(can(user("admin"), "move_runs")).toBe(true);
    for (const role of ["supervisor", "agent", "viewer"] as const) expect(can(user(role), "move_runs")).toBe(false);
  });
  it("gives viewers and anonymous visitors nothing to change", () => {
    for (const capability of ["design", "operate", "work", "manage_accounts"] as const) {
      expect(can(user("viewer"), capability)).toBe(false);
      expect(can(null, capability)).toBe(false);
    }
  });
});

describe("mayVisit", () => {
  it("keeps agents to the pages whose data they may read", () => {
    expect(mayVisit(user("agent"), "work")).toBe(true);
    expect(mayVisit(user("agent"), "workflows")).toBe(true);
    expect(mayVisit(user("agent"), "monitor")).toBe(false);
    expect(mayVisit(user("viewer"), "monitor")).toBe(true);
    expect(mayVisit(null, "workflows")).toBe(false);
  });
});
