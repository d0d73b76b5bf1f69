// What the designer offers while an admin fills in a step (designer/api/design_aids.py).
import { useEffect, useState } from "react";
import { api } from "./client";

export interface DemoEndpoint { method: string; url: string }

let demoPromise: Promise<DemoEndpoint[]> | null = null;

/** The demo services' addresses, when this server answers them (development); else none. */
export function useDemoServices(): DemoEndpoint[] {
  const [endpoints, setEndpoints] = useState<DemoEndpoint[]>([]);
  useEffect(() => {
    let alive = true;
    demoPromise ??= api.demoServices().then((r) => (r.enabled ? r.endpoints : [])).catch(() => []);
    void demoPromise.then((e) => alive && setEndpoints(e));
    return () => { alive = false; };
  }, []);
  return endpoints;
}
