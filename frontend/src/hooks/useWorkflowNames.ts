import { useEffect, useState } from "react";
import { api } from "../api/client";

/** Workflow id -> name, for pages that list items of many workflows. An id whose
 * workflow cannot be read stays as it is. */
export function useWorkflowNames(): (id: string) => string {
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    let alive = true;
    api.listWorkflows()
      .then((list) => alive && setNames(new Map(list.workflows.map((w) => [w.id, w.name || w.id]))))
      .catch(() => undefined);
    return () => { alive = false; };
  }, []);
  return (id: string) => names.get(id) ?? id;
}
