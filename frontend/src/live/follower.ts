// Following one run over the live stream with no gap and no duplicate (the protocol of
// designer/live/events.py): keep the last seq applied, drop anything at or below it,
// fetch from it when a message starts beyond the next number, and subscribe again from
// it after a reconnect. Transport-free, so the rules are unit-tested with a fake.
import type { LogEvent } from "../api/runs";

export interface Page {
  run_id?: string;
  status?: string;
  node_id?: string | null;
  events?: LogEvent[];
  last_seq?: number;
  more?: boolean;
  error?: { code: string; message: string };
}

export interface LiveMessage {
  run_id: string;
  status?: string;
  node_id?: string | null;
  events: LogEvent[];
}

/** `room.left`: the server took this connection out of a room it may no longer watch. */
export interface RoomLeft {
  room: string;
  reason?: string;
}

export interface Transport {
  /** Send `event` with `body`; `answer` gets the server's acknowledgement. */
  request(event: "subscribe" | "fetch" | "unsubscribe", body: unknown, answer: (page: Page) => void): void;
}

export interface FollowerUpdate {
  fresh: LogEvent[];
  status?: string;
  nodeId?: string | null;
}

export class RunFollower {
  lastSeq: number;
  private fetching = false;
  private pending: LiveMessage[] = [];
  private closed = false;

  constructor(
    private readonly transport: Transport,
    readonly runId: string,
    afterSeq: number,
    private readonly onUpdate: (update: FollowerUpdate) => void,
    private readonly onError: (error: { code: string; message: string }) => void = () => {},
  ) {
    this.lastSeq = afterSeq;
  }

  /** Join the run's room and catch up from lastSeq (call again after a reconnect). */
  start(): void {
    this.fetching = true;
    this.pending = [];
    this.transport.request("subscribe", { run: this.runId, after_seq: this.lastSeq }, (page) => this.onPage(page));
  }

  stop(): void {
    this.closed = true;
    this.transport.request("unsubscribe", { run: this.runId }, () => {});
  }

  /** A `room.left` message: if it is this run's room, the run is no longer ours to watch. */
  onRoomLeft(message: RoomLeft): void {
    if (this.closed || message.room !== `run:${this.runId}`) return;
    this.closed = true;
    this.pending = [];
    this.onError({ code: "forbidden", message: message.reason ?? "You may no longer watch this run." });
  }

  /** A `run.events` message for this run. */
  onLive(message: LiveMessage): void {
    if (this.closed) return;
    if (this.fetching) this.pending.push(message);
    else this.take(message);
  }

  private take(message: LiveMessage): boolean {
    const ok = this.apply(message.events, message.status, message.node_id);
    if (!ok) this.fetch();
    return ok;
  }

  private apply(events: LogEvent[], status?: string, nodeId?: string | null): boolean {
    const fresh: LogEvent[] = [];
    let ok = true;
    for (const event of events) {
      if (event.seq <= this.lastSeq) continue;
      if (event.seq !== this.lastSeq + 1) {
        ok = false;
        break;
      }
      fresh.push(event);
      this.lastSeq = event.seq;
    }
    if (fresh.length || status !== undefined) this.onUpdate({ fresh, status, nodeId });
    return ok;
  }

  private fetch(): void {
    this.fetching = true;
    this.transport.request("fetch", { run: this.runId, after_seq: this.lastSeq }, (page) => this.onPage(page));
  }

  private onPage(page: Page): void {
    if (this.closed) return;
    if (page.error) {
      this.fetching = false;
      this.onError(page.error);
      return;
    }
    this.apply(page.events ?? [], page.status, page.node_id);
    if (page.more) {
      this.fetch();
      return;
    }
    this.fetching = false;
    const pending = this.pending;
    this.pending = [];
    for (let i = 0; i < pending.length; i++) {
      if (!this.take(pending[i])) {
        // The fetch just started covers the rest; keep later messages for after it.
        this.pending.push(...pending.slice(i + 1));
        return;
      }
    }
  }
}
