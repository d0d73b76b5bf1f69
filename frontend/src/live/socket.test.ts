import { describe, expect, it } from "vitest";
import { dispatchBatch, listen } from "./socket";

function target(listeners: Record<string, ((payload: unknown) => void)[]>) {
  return { listeners: (event: string) => listeners[event] ?? [] } as never;
}

describe("dispatchBatch", () => {
  it("hands every message to its event's listeners in the order published", () => {
    const seen: string[] = [];
    const listeners = {
      "run.events": [(p: unknown) => seen.push(`events ${(p as { seq: number }).seq}`)],
      "run.changed": [(p: unknown) => seen.push(`changed ${(p as { seq: number }).seq}`)],
    };
    dispatchBatch(target(listeners), [
      ["run.events", { seq: 4 }],
      ["run.changed", { seq: 4 }],
      ["run.events", { seq: 5 }],
      ["unknown.event", { seq: 6 }],
    ]);
    expect(seen).toEqual(["events 4", "changed 4", "events 5"]);
  });

  it("ignores a malformed batch", () => {
    const seen: unknown[] = [];
    dispatchBatch(target({ "run.events": [(p) => seen.push(p)] }), { not: "a list" });
    dispatchBatch(target({ "run.events": [(p) => seen.push(p)] }), [[1, 2], "x"]);
    expect(seen).toEqual([]);
  });
});

describe("listen", () => {
  it("attaches every handler and the function it returns detaches each of them", () => {
    const attached = new Map<string, unknown>();
    const socket = {
      on: (event: string, handler: unknown) => { attached.set(event, handler); },
      off: (event: string, handler: unknown) => { if (attached.get(event) === handler) attached.delete(event); },
    } as never;
    const onConnect = () => {};
    const onEvents = () => {};
    const stop = listen(socket, { connect: onConnect, "run.events": onEvents });
    expect([...attached.keys()]).toEqual(["connect", "run.events"]);
    stop();
    expect(attached.size).toBe(0);
  });
});
