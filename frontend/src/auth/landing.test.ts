import { describe, expect, it } from "vitest";
import { landingPath } from "./landing";

describe("landingPath", () => {
  it("takes agents to My work, others to where they were going", () => {
    expect(landingPath("agent", "/login", null)).toBe("/work");
    expect(landingPath("agent", "/", null)).toBe("/work");
    expect(landingPath("admin", "/login", null)).toBe("/");
    expect(landingPath("admin", "/", null)).toBeNull();
  });

  it("follows a `next` link of this app, for agents too, and no other", () => {
    expect(landingPath("agent", "/login", "/cases/r1")).toBe("/cases/r1");
    expect(landingPath("agent", "/cases/r1", null)).toBeNull();
    expect(landingPath("viewer", "/login", "//evil.example")).toBe("/");
  });
});
