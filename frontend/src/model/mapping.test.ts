import { describe, expect, it } from "vitest";
import { formTarget, mappingFits, targetChoice, withTarget } from "./mapping";
import type { CaseField, FormField } from "./types";

const schema: CaseField[] = [
  { name: "resolved", type: "boolean" },
  { name: "tier", type: "picklist", values: ["gold", "silver"] },
  { name: "note", type: "string" },
];

describe("form answers to case fields", () => {
  it("defaults to the case field of the same name and type", () => {
    expect(formTarget({ name: "resolved", type: "boolean" }, schema)).toEqual({ mode: "same", field: "resolved" });
  });

  it("says why a field writes nothing by default", () => {
    expect(formTarget({ name: "done", type: "boolean" }, schema)).toMatchObject({ mode: "unmatched", why: "no case field is named done" });
    expect(formTarget({ name: "resolved", type: "string" }, schema).mode).toBe("unmatched");
  });

  it("follows an explicit mapping, and says when its type does not fit", () => {
    const done: FormField = { name: "done", type: "boolean" };
    expect(formTarget(withTarget(done, "resolved"), schema)).toEqual({ mode: "named", field: "resolved", known: true, fits: true });
    expect(formTarget(withTarget(done, "note"), schema)).toMatchObject({ fits: false });
    expect(formTarget(withTarget(done, "-"), schema)).toEqual({ mode: "none" });
    expect(targetChoice(withTarget(done, "-"))).toBe("-");
    expect(targetChoice(withTarget(withTarget(done, "-"), ""))).toBe("");
  });

  it("lets a picklist write a string, or a picklist that allows its values", () => {
    expect(mappingFits("picklist", ["x"], { name: "note", type: "string" })).toBe(true);
    expect(mappingFits("picklist", ["gold"], schema[1])).toBe(true);
    expect(mappingFits("picklist", ["bronze"], schema[1])).toBe(false);
  });
});
