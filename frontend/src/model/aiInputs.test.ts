import { describe, expect, it } from "vitest";
import {
  classifySchema, extractSchema, findReviewStep, readClassify, readFields, readInto, readOutputs, readRows,
  writeFields, writeInto, writeOutputs,
} from "./aiInputs";
import type { Step, StepInput } from "./types";

// As graphs/examples/support-case.json stores it.
const STORED = '{"type": "object", "properties": {"category": {"type": "string", "enum": ["account_access", "billing", "data", "outage"]}}, "required": ["category"]}';

const inputs = (values: Record<string, unknown>): Record<string, StepInput> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v } as StepInput]));

describe("an AI step's inputs", () => {
  it("reads the readable fields from the comma text and writes them back the same", () => {
    expect(readFields(inputs({ fields: "subject, description" }))).toEqual(["subject", "description"]);
    expect(writeFields(["subject", "description"]).value).toBe("subject, description");
  });

  it("writes a classify schema byte for byte as the stored example holds it", () => {
    const written = writeOutputs(classifySchema("category", ["account_access", "billing", "data", "outage"]));
    expect(written.value).toBe(STORED);
    expect(readClassify(readOutputs(inputs({ outputs: STORED })))).toEqual({
      name: "category", classes: ["account_access", "billing", "data", "outage"],
    });
  });

  it("round-trips extract rows, all required", () => {
    const schema = extractSchema([{ name: "amount", type: "number" }, { name: " ", type: "string" }, { name: "iban", type: "string" }]);
    expect(schema.required).toEqual(["amount", "iban"]);
    expect(readRows(schema)).toEqual([{ name: "amount", type: "number" }, { name: "iban", type: "string" }]);
  });

  it("gives no schema for text that is not JSON", () => {
    expect(readOutputs(inputs({ outputs: "{not json" }))).toBeNull();
  });

  it("reads and writes into as key->field pairs, dropping the input when empty", () => {
    expect(readInto(inputs({ into: "category->category, tier -> level" }))).toEqual({ category: "category", tier: "level" });
    expect(writeInto({ category: "category" })?.value).toBe("category->category");
    expect(writeInto({ category: "" })).toBeNull();
  });

  it("finds the review step by name, else by its needs_review condition", () => {
    const review = {
      id: "check", kind: "interactive", after: ["ai1"],
      entry_condition: { kind: "group", match: "all", rules: [{ kind: "rule", field: "step.ai1.needs_review", op: "eq", value: true }] },
    } as unknown as Step;
    const other = { id: "other", kind: "interactive", after: ["ai1"], entry_condition: null } as unknown as Step;
    expect(findReviewStep([other, review], "ai1", undefined)?.id).toBe("check");
    expect(findReviewStep([other, review], "ai1", "other")?.id).toBe("other");
    expect(findReviewStep([other], "ai1", undefined)).toBeUndefined();
  });
});
