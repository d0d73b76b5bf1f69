import { describe, expect, it } from "vitest";
import type { ActionInfo, Workflow } from "./types";
import {
  EMPTY_ANSWERS, MAX_CASE_IDS, defaultsOf, newSteps, readCaseIds, readStep, readStepOutputs, type NewStep, type StepAnswers,
} from "./whatifInputs";

describe("readCaseIds", () => {
  it("reads ids one per line or comma separated, trimmed, each once", () => {
    const read = readCaseIds(" c1\nc2, c3\r\n\n,c2 ;c4 ");
    expect(read).toEqual({ ok: true, ids: ["c1", "c2", "c3", "c4"], duplicates: 1 });
  });

  it("refuses an empty list, too many ids and an id over 64 characters, saying which", () => {
    expect(readCaseIds(" \n , ")).toMatchObject({ ok: false, read: 0, error: expect.stringContaining("No case ids") });
    const many = Array.from({ length: MAX_CASE_IDS + 1 }, (_, i) => `c${i}`).join("\n");
    expect(readCaseIds(many)).toMatchObject({ ok: false, read: MAX_CASE_IDS + 1, error: "10,001 case ids read; one test takes at most 10,000." });
    expect(readCaseIds(Array.from({ length: MAX_CASE_IDS }, (_, i) => `c${i}`).join(","))).toMatchObject({ ok: true });
    const long = readCaseIds(`ok\n${"x".repeat(65)}`);
    expect(long).toMatchObject({ ok: false, error: expect.stringMatching(/^Case id 2 .* has 65 characters; a case id has at most 64\.$/) });
    expect(readCaseIds("x".repeat(64))).toMatchObject({ ok: true });
  });
});

const stage = (id: string, steps: unknown[]) => ({ id, kind: "stage", name: id.toUpperCase(), steps });
const active = {
  id: "w", name: "W", edges: [],
  nodes: [stage("intake", [{ id: "record", kind: "background", action: "set_fields" }])],
} as unknown as Workflow;
const draft = {
  ...active,
  nodes: [
    stage("intake", [
      { id: "record", kind: "background", action: "set_fields" },
      { id: "call_back", kind: "interactive", name: "Call back", form: [
        { name: "reached", label: "Reached", type: "boolean" },
        { name: "tier", type: "picklist", values: ["gold", "silver"] },
        { name: "minutes_spoken", type: "number" },
      ] },
    ]),
    stage("extra", [
      { id: "lookup", kind: "background", action: "http_request" },
      { id: "score", kind: "background", action: "scorer" },
      { id: "classify", kind: "background", action: "ai", inputs: {
        outputs: { value: JSON.stringify({ type: "object", properties: { category: { type: "string", enum: ["a", "b"] } } }) },
      } },
    ]),
  ],
} as unknown as Workflow;
const actions = [{
  name: "scorer", output_schema: { type: "object", properties: { score: { type: "number" }, tags: { type: "array" } } },
}] as unknown as ActionInfo[];

describe("newSteps", () => {
  it("lists the draft's steps the active version lacks, with the outputs each declares", () => {
    const steps = newSteps(draft, active, actions);
    expect(steps.map((s) => [s.id, s.stage, s.fields.map((f) => `${f.name}:${f.type}`)])).toEqual([
      ["call_back", "INTAKE", ["reached:boolean", "tier:picklist", "minutes_spoken:number"]],
      ["lookup", "EXTRA", []],
      ["score", "EXTRA", ["score:number", "tags:json"]],
      ["classify", "EXTRA", ["category:picklist"]],
    ]);
    expect(steps[0].fields[1].values).toEqual(["gold", "silver"]);
    expect(newSteps(active, active, actions)).toEqual([]);
  });
});

describe("readStepOutputs", () => {
  const steps = newSteps(draft, active, actions);
  const byId = (id: string): NewStep => steps.find((s) => s.id === id)!;
  const answers = (over: Partial<StepAnswers>): StepAnswers => ({ ...EMPTY_ANSWERS, ...over });

  it("sends typed values and the minutes of the steps given, nothing for steps left empty", () => {
    const read = readStepOutputs(steps, {
      call_back: answers({ minutes: "45", fields: { reached: "true", tier: "gold", minutes_spoken: " 12.5 " } }),
      lookup: answers({ rows: [{ key: "status", value: "200" }, { key: "body", value: '{"ok": true}' }, { key: "", value: "" }] }),
      score: answers({ fields: { tags: '["vip"]', score: "" } }),
    });
    expect(read).toEqual({
      ok: true,
      outputs: {
        call_back: { $after_minutes: 45, reached: true, tier: "gold", minutes_spoken: 12.5 },
        lookup: { status: 200, body: { ok: true } },
        score: { tags: ["vip"] },
      },
    });
    expect(readStepOutputs(steps, {})).toEqual({ ok: true, outputs: {} });
  });

  it("refuses what is typed wrongly, naming the step and the field", () => {
    const read = readStepOutputs(steps, {
      call_back: answers({ minutes: "-5", fields: { minutes_spoken: "ten" } }),
      lookup: answers({ rows: [{ key: "status", value: "ok" }, { key: "", value: "1" }, { key: "$after_minutes", value: "3" }] }),
      score: answers({ minutes: "soon", fields: { tags: "[vip" } }),
    });
    expect(read.ok).toBe(false);
    expect(read.ok ? [] : read.errors).toEqual([
      "Call back (INTAKE), takes … minutes: “-5” is not a number of minutes from 0 to 5256000.",
      "Call back (INTAKE), minutes_spoken: “ten” is not a number.",
      "lookup (EXTRA), status: “ok” is not JSON (text goes in quotes: \"yes\"; numbers and true/false as they are).",
      "lookup (EXTRA), row 2: a value without an output name.",
      "lookup (EXTRA), $after_minutes: give the minutes in “takes … minutes”.",
      "score (EXTRA), takes … minutes: “soon” is not a number of minutes from 0 to 5256000.",
      "score (EXTRA), tags: is not JSON.",
    ]);
  });

  it("marks where each problem is, for the editor", () => {
    const read = readStep(byId("call_back"), answers({ minutes: "-1", fields: { minutes_spoken: "x", tier: "gold" } }));
    expect([...read.places].sort()).toEqual(["field:minutes_spoken", "minutes"]);
    const rows = readStep(byId("lookup"), answers({ rows: [{ key: "a", value: "1" }, { key: "b", value: "nope" }] }));
    expect([...rows.places]).toEqual(["row:1"]);
    expect(rows.outputs).toEqual({ a: 1 });
  });

  it("takes $case and $fail as the simulator reads them, and refuses other $ names", () => {
    const ok = readStepOutputs([byId("lookup")], { lookup: answers({ rows: [
      { key: "$case", value: '{"priority": "urgent"}' }, { key: "$fail", value: '"timed out"' },
    ] }) });
    expect(ok).toEqual({ ok: true, outputs: { lookup: { $case: { priority: "urgent" }, $fail: "timed out" } } });
    const bad = readStepOutputs([byId("lookup")], { lookup: answers({ rows: [
      { key: "$case", value: "3" }, { key: "$when", value: "1" }, { key: "a", value: "1" }, { key: "a", value: "2" },
    ] }) });
    expect(bad.ok ? [] : bad.errors).toEqual([
      "lookup (EXTRA), $case: must be a JSON object of case fields.",
      "lookup (EXTRA), $when: unknown; the $ names are $case and $fail.",
      "lookup (EXTRA), a: given twice.",
    ]);
  });

  it("says which defaults apply to what is left empty", () => {
    const step = byId("call_back");
    expect(defaultsOf(step, EMPTY_ANSWERS)).toBe("defaults: no outputs, done at once");
    expect(defaultsOf(step, answers({ minutes: "30" }))).toBe("defaults: no outputs");
    expect(defaultsOf(step, answers({ fields: { reached: "false" } }))).toBe("defaults: done at once");
    expect(defaultsOf(step, answers({ minutes: "0", fields: { reached: "false" } }))).toBeNull();
  });
});
