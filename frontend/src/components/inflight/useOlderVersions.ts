import { useEffect, useState } from "react";
import { api } from "../../api/client";
import type { VersionDoc } from "../../model/whatifNames";

/** Versions read at most, newest first, to name the ids of a what-if's recorded side. */
const MAX_READ = 12;

/** The published versions other than ``active`` whose documents name ``missing`` ids, read
 * newest first until every id is named (none read while nothing is missing). Names only:
 * a version that cannot be read leaves its ids said to be "of an older version". */
export function useOlderVersions(workflowId: string | null, active: number | null, missing: readonly string[]): VersionDoc[] {
  const [docs, setDocs] = useState<VersionDoc[]>([]);
  const key = missing.join("\n");
  useEffect(() => {
    setDocs([]);
    if (!workflowId || active === null || !key) return;
    let cancelled = false;
    void (async () => {
      const wanted = new Set(key.split("\n"));
      const read: VersionDoc[] = [];
      try {
        const { versions } = await api.versions(workflowId);
        const older = versions.map((v) => v.version).filter((v) => v !== active).sort((a, b) => b - a).slice(0, MAX_READ);
        for (const version of older) {
          if (cancelled || wanted.size === 0) break;
          const { workflow } = await api.version(workflowId, version);
          const ids = [...workflow.nodes.map((n) => n.id), ...workflow.edges.map((e) => e.id)];
          if (ids.some((id) => wanted.has(id))) read.push({ version, workflow });
          for (const id of ids) wanted.delete(id);
        }
      } catch {
        // Names only: what was read is used, the rest stays "of an older version".
      }
      if (!cancelled) setDocs(read);
    })();
    return () => {
      cancelled = true;
    };
  }, [workflowId, active, key]);
  return docs;
}
