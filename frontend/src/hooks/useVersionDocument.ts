import { useEffect, useState } from "react";
import { api } from "../api/client";
import type { Workflow } from "../model/types";

/** The document of one published version (null while it loads, or with no version);
 * `onError` hears why it could not be read. */
export function useVersionDocument(
  workflowId: string | null, version: number | null, onError?: (error: unknown) => void,
): Workflow | null {
  const [doc, setDoc] = useState<Workflow | null>(null);
  useEffect(() => {
    setDoc(null);
    if (!workflowId || version === null) return;
    let cancelled = false;
    api.version(workflowId, version).then(
      (r) => !cancelled && setDoc(r.workflow),
      (e: unknown) => !cancelled && onError?.(e),
    );
    return () => {
      cancelled = true;
    };
  }, [workflowId, version, onError]);
  return doc;
}
