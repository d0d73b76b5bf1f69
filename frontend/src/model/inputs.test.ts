import { describe, expect, it } from "vitest";
import { inputControl, plainSchema } from "./inputs";

describe("inputControl", () => {
  it("offers a select for an enum and team pickers by the input's meaning", () => {
    expect(inputControl("channel", { type: "string", enum: ["email", "log"] })).toBe("enum");
    expect(inputControl("queue", { anyOf: [{ type: "string" }, { type: "null" }] })).toBe("queue");
    expect(inputControl("agent", { type: "string" })).toBe("agent");
    expect(inputControl("skills", { type: "array" })).toBe("skills");
    expect(inputControl("to", { type: "string" })).toBe("recipients");
    expect(inputControl("url", { type: "string" })).toBe("url");
  });

  it("keeps plain types plain", () => {
    expect(inputControl("timeout_seconds", { type: "number" })).toBe("number");
    expect(inputControl("headers", { type: "object" })).toBe("json");
    expect(inputControl("subject", { type: "string" })).toBe("text");
  });

  it("reads an optional value's schema as its non-null type", () => {
    expect(plainSchema({ anyOf: [{ type: "string" }, { type: "null" }], description: "d" })).toMatchObject({ type: "string", description: "d" });
  });
});
