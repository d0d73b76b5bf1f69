import { useCallback, useEffect, useState } from "react";
import { runsApi } from "../api/runs";
import { unfinishedByVersion } from "../model/impact";

/** Pages read at most: past 10,000 unfinished runs the counts say "at least". */
const MAX_PAGES = 20;

export interface UnfinishedCounts {
  byVersion: Record<number, number> | null;
  /** True when there were more runs than were counted. */
  capped: boolean;
  error: string | null;
  refresh: () => void;
}

/** How many unfinished runs (running, paused, incident) each version of a workflow has. */
export function useUnfinishedCounts(workflowId: string | null): UnfinishedCounts {
  const [state, setState] = useState<Omit<UnfinishedCounts, "refresh">>({ byVersion: null, capped: false, error: null });
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (!workflowId) return;
    let cancelled = false;
    (async () => {
      const rows: { version: number; status: string }[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await runsApi.listRuns({ workflow_id: workflowId, status: "active" }, cursor, 500);
        rows.push(...page.items);
        cursor = page.next_cursor;
        pages += 1;
      } while (cursor && pages < MAX_PAGES && !cancelled);
      if (!cancelled) setState({ byVersion: unfinishedByVersion(rows), capped: cursor !== null, error: null });
    })().catch((e: Error) => !cancelled && setState((s) => ({ ...s, error: e.message })));
    return () => {
      cancelled = true;
    };
  }, [workflowId, tick]);
  return { ...state, refresh };
}
