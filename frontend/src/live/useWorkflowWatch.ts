// Calls `onChange` (at most every `everyMs`) while runs of a workflow change, so lists
// and the monitor refresh live without polling.
import { useEffect, useRef } from "react";
import { listen, liveSocket } from "./socket";

export interface RunChanged {
  run_id: string;
  workflow_id: string;
  status: string;
  node_id: string | null;
  seq: number;
  kinds: string[];
}

export function useWorkflowWatch(workflowIds: string[], onChange: (change: RunChanged) => void, everyMs = 750): void {
  const callback = useRef(onChange);
  callback.current = onChange;
  const key = [...workflowIds].sort().join("\n");

  useEffect(() => {
    const ids = key ? key.split("\n") : [];
    if (!ids.length) return;
    const socket = liveSocket();
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last: RunChanged | null = null;
    const join = () => ids.forEach((workflow) => socket.emit("watch", { workflow }, () => {}));
    const onChanged = (change: RunChanged) => {
      if (!ids.includes(change.workflow_id)) return;
      last = change;
      if (timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        if (last) callback.current(last);
      }, everyMs);
    };
    const stop = listen(socket, { connect: join, "run.changed": onChanged });
    if (socket.connected) join();
    return () => {
      stop();
      if (timer !== null) clearTimeout(timer);
      if (socket.connected) ids.forEach((workflow) => socket.emit("unwatch", { workflow }, () => {}));
    };
  }, [key, everyMs]);
}
