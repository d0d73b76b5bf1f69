// Transient UI state around the editor: dialogs, toasts, save and validation status.
import { create } from "zustand";
import type { TriggerOverlap } from "../api/client";
import type { ActionInfo } from "../model/types";

export type SaveStatus = "idle" | "saving" | "saved" | "error";
export type ValidationStatus = "idle" | "pending" | "done" | "error";

export interface Toast {
  id: number;
  tone: "info" | "success" | "error";
  text: string;
}

export interface Conflict {
  currentRevision: number;
}

export interface UiState {
  saveStatus: SaveStatus;
  saveError: string | null;
  validation: ValidationStatus;
  conflict: Conflict | null;
  publishOpen: boolean;
  publishError: string | null;
  versionsOpen: boolean;
  searchOpen: boolean;
  problemsOpen: boolean;
  toasts: Toast[];
  actions: ActionInfo[];
  /** An activation waiting for the admin's word: other active workflows start on the same records. */
  activationCheck: { version: number; overlaps: TriggerOverlap[] } | null;
}

export interface UiActions {
  set(patch: Partial<UiState>): void;
  toast(text: string, tone?: Toast["tone"]): void;
  dismiss(id: number): void;
}

let toastCounter = 0;

export const useUi = create<UiState & UiActions>()((set, get) => ({
  saveStatus: "idle",
  saveError: null,
  validation: "idle",
  conflict: null,
  publishOpen: false,
  publishError: null,
  versionsOpen: false,
  searchOpen: false,
  problemsOpen: true,
  toasts: [],
  actions: [],
  activationCheck: null,
  set: (patch) => set(patch),
  toast(text, tone = "info") {
    const id = ++toastCounter;
    set({ toasts: [...get().toasts, { id, tone, text }] });
    window.setTimeout(() => get().dismiss(id), tone === "error" ? 8000 : 4000);
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
}));
