// "AI step" on a stage: adds the AI step and its review step in one go.
import { useEditor } from "../store/editorStore";
import { aiStep, reviewStep } from "./aiStep";

export function addAiStep(nodeId: string): string | null {
  const editor = useEditor.getState();
  const aiId = editor.addStep(nodeId, "background");
  if (aiId === null) return null;
  editor.updateStep({ nodeId, stepId: aiId }, () => aiStep(aiId));
  const reviewId = editor.addStep(nodeId, "interactive");
  if (reviewId !== null) editor.updateStep({ nodeId, stepId: reviewId }, () => reviewStep(reviewId, aiId));
  useEditor.setState({ selectedStep: { nodeId, stepId: aiId } });
  return aiId;
}
