// Editing ordered lists of a workflow (case fields, form fields, outcomes) immutably.

/** `list` with the item at `index` moved `delta` places (a new array; the input is kept). */
export function moved<T>(list: readonly T[], index: number, delta: number): T[] {
  const next = [...list];
  const [item] = next.splice(index, 1);
  next.splice(index + delta, 0, item);
  return next;
}
