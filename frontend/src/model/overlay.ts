// What a read-only canvas (RunCanvas) draws over a workflow besides a case's path or the
// monitor's figures: a badge and a tone per node, a weight per edge, and "ghost" nodes
// that the shown version lacks (a node of the source version that is gone). Plain data,
// made by the pure helpers in impact.ts and whatif.ts.
import type { WfNode } from "./types";

/** count: something lands here; quiet: nothing does; unmapped: runs cannot move here;
 * added / changed: differs from the version compared with. */
export type NodeTone = "count" | "quiet" | "unmapped" | "added" | "changed";

export interface NodeOverlay {
  badge: string | null;
  tone: NodeTone;
  /** Lines under the node's name (reasons, figures). */
  notes: string[];
  /** Shown on hover: the badge's meaning. */
  title: string;
}

export interface EdgeOverlay {
  /** Share of cases taking the edge, 0..1, or null when the overlay weighs no edges. */
  share: number | null;
  label: string | null;
  /** Stroke width and colour drawn for the share. */
  width: number;
  color: string;
  tone: "heat" | "added" | "changed";
}

export interface CanvasOverlay {
  nodes: Record<string, NodeOverlay>;
  edges: Record<string, EdgeOverlay>;
  /** Nodes drawn in addition to the workflow's own (with their last known position). */
  ghosts: WfNode[];
  /** The nodes the canvas opens framed on (none: the usual readable view). */
  focus: string[];
}

/** A percentage for a share 0..1: "42%", "<1%" for a small non-zero share. */
export function percent(share: number | null | undefined): string {
  if (share === null || share === undefined || Number.isNaN(share)) return "–";
  if (share > 0 && share < 0.005) return "<1%";
  return `${Math.round(share * 100)}%`;
}

/** Heat for a share 0..1: a stroke from 1.5 px (grey-blue, nobody) to 9 px (deep orange, everyone). */
export function heat(share: number): { width: number; color: string } {
  const s = Math.max(0, Math.min(1, share));
  if (s === 0) return { width: 1.5, color: "#b6bfcc" };
  // Hue from blue (215) through violet to orange-red (15) as the share grows.
  const hue = Math.round(215 - 200 * s) % 360;
  return { width: Math.round((2 + 7 * s) * 10) / 10, color: `hsl(${(hue + 360) % 360}, 75%, ${48 - 8 * s}%)` };
}

