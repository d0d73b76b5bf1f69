// The one Socket.IO connection of the page, opened on first use (never at import time).
// It carries the session cookie, so the server knows who is watching.
import { io, type Socket } from "socket.io-client";

let socket: Socket | null = null;

export function liveSocket(): Socket {
  if (socket === null) {
    socket = io({ transports: ["websocket", "polling"], reconnectionDelay: 300, reconnectionDelayMax: 3000 });
  }
  return socket;
}
