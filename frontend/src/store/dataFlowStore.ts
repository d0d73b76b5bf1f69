// The data flow of the document being edited, fetched after edits (useDataFlowSync).
import { create } from "zustand";
import type { DataFlow } from "../model/dataflow";

export interface DataFlowState {
  flow: DataFlow | null;
  set(flow: DataFlow | null): void;
}

export const useDataFlow = create<DataFlowState>()((set) => ({
  flow: null,
  set: (flow) => set({ flow }),
}));
