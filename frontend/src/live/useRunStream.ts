// A run's log, complete and in order, live: every event from seq 1, then each new one
// as it commits. Reconnects resume from the last seq (no gap, no duplicate).
import { useEffect, useState } from "react";
import type { LogEvent } from "../api/runs";
import { RunFollower, type LiveMessage, type RoomLeft, type Transport } from "./follower";
import { listen, liveSocket } from "./socket";

export interface RunStream {
  events: LogEvent[];
  status: string | null;
  connected: boolean;
  error: string | null;
}

export function useRunStream(runId: string | null): RunStream {
  const [stream, setStream] = useState<RunStream>({ events: [], status: null, connected: false, error: null });

  useEffect(() => {
    setStream({ events: [], status: null, connected: false, error: null });
    if (!runId) return;
    const socket = liveSocket();
    const transport: Transport = {
      request: (event, body, answer) => {
        socket.emit(event, body, answer);
      },
    };
    const follower = new RunFollower(
      transport,
      runId,
      0,
      ({ fresh, status }) =>
        setStream((s) => ({
          ...s,
          events: fresh.length ? [...s.events, ...fresh] : s.events,
          status: status ?? s.status,
          error: null,
        })),
      (error) => setStream((s) => ({ ...s, error: error.message })),
    );
    const onEvents = (message: LiveMessage) => {
      if (message.run_id === runId) follower.onLive(message);
    };
    const onConnect = () => {
      setStream((s) => ({ ...s, connected: true }));
      follower.start();
    };
    const onDisconnect = () => setStream((s) => ({ ...s, connected: false }));
    // The work behind the run moved away from us: the server took us out of its room.
    const onRoomLeft = (message: RoomLeft) => follower.onRoomLeft(message);
    const stop = listen(socket, {
      "run.events": onEvents, "room.left": onRoomLeft, connect: onConnect, disconnect: onDisconnect,
    });
    if (socket.connected) onConnect();
    return () => {
      stop();
      if (socket.connected) follower.stop();
    };
  }, [runId]);

  return stream;
}
