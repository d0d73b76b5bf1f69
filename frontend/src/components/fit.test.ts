import { describe, expect, it } from "vitest";
import { MIN_READABLE_ZOOM, busiestNode, readableView } from "./fit";

const screen = { width: 1000, height: 600 };

describe("readableView", () => {
  it("shows a small graph whole, centred, at no more than 100%", () => {
    const view = readableView({ x: 0, y: 0, width: 400, height: 200 }, screen);
    expect(view.zoom).toBe(1);
    expect(view.x + 200 * view.zoom).toBeCloseTo(500);
    expect(view.y + 100 * view.zoom).toBeCloseTo(300);
  });

  it("opens a large graph at the readable zoom on its focus, not at an overview", () => {
    const bounds = { x: 0, y: 0, width: 4000, height: 400 };
    const focus = { x: 2000, y: 100, width: 240, height: 120 };
    const view = readableView(bounds, screen, focus);
    expect(view.zoom).toBe(MIN_READABLE_ZOOM);
    // The focus's centre (2120, 160) lands in the middle of the screen horizontally.
    expect(view.x + 2120 * view.zoom).toBeCloseTo(500);
  });

  it("starts a large graph at its left end when nothing is in focus, without empty screen", () => {
    const view = readableView({ x: 0, y: 0, width: 4000, height: 400 }, screen);
    expect(view.zoom).toBe(MIN_READABLE_ZOOM);
    // The left edge of the graph (less its padding) is at the left of the screen.
    const leftInWorld = -view.x / view.zoom;
    expect(leftInWorld).toBeCloseTo(-4000 * 0.12);
  });

  it("keeps a focus at the graph's end from leaving half the screen empty", () => {
    const bounds = { x: 0, y: 0, width: 4000, height: 400 };
    const view = readableView(bounds, screen, { x: 3900, y: 0, width: 100, height: 100 });
    const rightInWorld = (screen.width - view.x) / view.zoom;
    expect(rightInWorld).toBeCloseTo(4000 * 1.12);
  });
});

describe("busiestNode", () => {
  it("is the node with most cases, the first on a tie, null when all are empty", () => {
    expect(busiestNode({ a: { count: 2 }, b: { count: 5 }, c: { count: 5 } }, ["a", "b", "c"])).toBe("b");
    expect(busiestNode({ a: { count: 0 } }, ["a", "b"])).toBeNull();
  });
});
