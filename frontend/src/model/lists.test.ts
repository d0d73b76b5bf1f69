import { describe, expect, it } from "vitest";
import { moved } from "./lists";

describe("moved", () => {
  it("moves an item up or down and leaves the input as it was", () => {
    const list = ["a", "b", "c"];
    expect(moved(list, 2, -1)).toEqual(["a", "c", "b"]);
    expect(moved(list, 0, 1)).toEqual(["b", "a", "c"]);
    expect(list).toEqual(["a", "b", "c"]);
  });
});
