// The one Socket.IO connection of the page, opened on first use (never at import time).
// It carries the session cookie, so the server knows who is watching.
import { io, type Socket } from "socket.io-client";

let socket: Socket | null = null;

/** `live.batch`: several messages in one, `[event, payload]` in the order published. */
export const BATCH = "live.batch";

/** Hand each message of a batch to the listeners of its own event, in order. */
export function dispatchBatch(target: Pick<Socket, "listeners">, items: unknown): void {
  if (!Array.isArray(items)) return;
  for (const item of items) {
    if (!Array.isArray(item) || typeof item[0] !== "string") continue;
    for (const listener of target.listeners(item[0])) listener(item[1]);
  }
}

// Socket.IO types a listener's arguments as `any[]`; each handler names its own.
type Handler = (...args: any[]) => void;

/** Listen to each event with its handler, in order; the function returned stops listening. */
export function listen(target: Pick<Socket, "on" | "off">, handlers: Record<string, Handler>): () => void {
  const pairs = Object.entries(handlers);
  for (const [event, handler] of pairs) target.on(event, handler);
  return () => {
    for (const [event, handler] of pairs) target.off(event, handler);
  };
}

export function liveSocket(): Socket {
  if (socket === null) {
    const opened = io({ transports: ["websocket", "polling"], reconnectionDelay: 300, reconnectionDelayMax: 3000 });
    // The server sends what it publishes within a few milliseconds as one batch.
    opened.on(BATCH, (items: unknown) => dispatchBatch(opened, items));
    socket = opened;
  }
  return socket;
}
