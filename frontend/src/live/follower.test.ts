import { describe, expect, it } from "vitest";
import type { LogEvent } from "../api/runs";
import { RunFollower, type Page, type Transport } from "./follower";

const e = (seq: number): LogEvent => ({ seq, at: "", actor: "s", kind: "k", node_id: null, step_id: null, data: {} });
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => e(a + i));

class FakeServer implements Transport {
  log: LogEvent[] = range(1, 5);
  held: { event: string; body: { after_seq?: number }; answer: (p: Page) => void }[] = [];
  request(event: "subscribe" | "fetch" | "unsubscribe", body: unknown, answer: (page: Page) => void): void {
    this.held.push({ event, body: body as { after_seq?: number }, answer });
  }
  /** Answer the oldest request from the log, `page` events at a time. */
  answer(page = 100): void {
    const request = this.held.shift()!;
    const after = request.body.after_seq ?? 0;
    const rest = this.log.filter((x) => x.seq > after);
    request.answer({ events: rest.slice(0, page), more: rest.length > page, status: "running" });
  }
}

function follow(server: FakeServer, after = 0) {
  const seen: number[] = [];
  const follower = new RunFollower(server, "r", after, ({ fresh }) => seen.push(...fresh.map((x) => x.seq)));
  follower.start();
  return { follower, seen };
}

describe("RunFollower", () => {
  it("catches up page by page, then takes live events, each once", () => {
    const server = new FakeServer();
    const { follower, seen } = follow(server);
    server.answer(2);
    server.answer(2);
    // Published while the last page was on its way: held, then applied without duplicates.
    server.log.push(e(6));
    follower.onLive({ run_id: "r", events: [e(5), e(6)] });
    server.answer(2);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    follower.onLive({ run_id: "r", events: [e(6)] });
    follower.onLive({ run_id: "r", events: [e(7)] });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("fills a gap from the log and resumes from the last seq after a reconnect", () => {
    const server = new FakeServer();
    const { follower, seen } = follow(server, 3);
    server.answer();
    expect(seen).toEqual([4, 5]);
    server.log.push(...range(6, 9));
    follower.onLive({ run_id: "r", events: [e(8)] }); // 6 and 7 were lost on the way
    expect(server.held[0].event).toBe("fetch");
    follower.onLive({ run_id: "r", events: [e(9)] });
    server.answer();
    expect(seen).toEqual([4, 5, 6, 7, 8, 9]);
    server.log.push(e(10));
    follower.start(); // a new connection after a drop
    expect(server.held[0].body.after_seq).toBe(9);
    server.answer();
    expect(seen).toEqual([4, 5, 6, 7, 8, 9, 10]);
  });

  it("stops when the server takes it out of the run's room", () => {
    const server = new FakeServer();
    const errors: string[] = [];
    const seen: number[] = [];
    const follower = new RunFollower(server, "r", 0, ({ fresh }) => seen.push(...fresh.map((x) => x.seq)), (error) =>
      errors.push(error.code),
    );
    follower.start();
    server.answer();
    follower.onRoomLeft({ room: "run:other" });
    expect(errors).toEqual([]);
    follower.onRoomLeft({ room: "run:r", reason: "the work behind it is no longer yours" });
    follower.onLive({ run_id: "r", events: [e(6)] });
    expect(errors).toEqual(["forbidden"]);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });
});
