// A draft tested against recorded cases: the answer, the draft it was asked of (the
// canvas overlays that document, not the one being edited since), and whether the heat
// overlay is on. Nothing here is saved anywhere.
import { create } from "zustand";
import type { WhatIf } from "../api/inflight";
import type { Problem, Workflow } from "../model/types";

export interface WhatIfState {
  open: boolean;
  running: boolean;
  result: WhatIf | null;
  draft: Workflow | null;
  overlay: boolean;
  error: string | null;
  problems: Problem[];
}

export interface WhatIfActions {
  set(patch: Partial<WhatIfState>): void;
  /** Close the panel and drop the answer and its overlay. */
  reset(): void;
}

const INITIAL: WhatIfState = { open: false, running: false, result: null, draft: null, overlay: false, error: null, problems: [] };

export const useWhatIf = create<WhatIfState & WhatIfActions>()((set) => ({
  ...INITIAL,
  set: (patch) => set(patch),
  reset: () => set(INITIAL),
}));
