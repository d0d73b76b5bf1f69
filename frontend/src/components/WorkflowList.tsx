import { useEffect, useRef, useState } from "react";
import { api, type WorkflowSummary } from "../api/client";
import { useCan } from "../auth/permissions";
import { slugify } from "../model/defaults";
import { contentTypeFor, importErrorText, layOut, needsLayout } from "../model/interop";
import { ImportDialog, ImportFileInput, type PendingImport } from "./ImportDialog";
import { PlusIcon, UploadIcon } from "./icons";
import { ListPage } from "./ListPage";

/** All workflows: open one, create a new one, or import a file. */
export function WorkflowList({ onOpen }: { onOpen: (id: string) => void }) {
  const [workflows, setWorkflows] = useState<WorkflowSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const canDesign = useCan("design");

  useEffect(() => {
    api.listWorkflows().then((r) => setWorkflows(r.workflows), (e: Error) => setError(e.message));
  }, []);

  const [pending, setPending] = useState<PendingImport | null>(null);

  // Read the file and show what it becomes; nothing is saved until the admin confirms.
  const importFile = async (file: File) => {
    setError(null);
    const text = await file.text();
    try {
      setPending({ fileName: file.name, preview: await api.previewImport(text, contentTypeFor(file.name, text)) });
    } catch (e) {
      setError(`Import failed: ${e instanceof Error ? importErrorText(e) : String(e)}`);
    }
  };

  // Save the previewed workflow as a draft (laid out when it has no usable positions), then open it.
  const saveImport = async () => {
    if (!pending) return;
    const { preview } = pending;
    const workflow = needsLayout(preview.workflow) ? await layOut(preview.workflow) : preview.workflow;
    const replace = preview.existing_revision !== null ? { revision: preview.existing_revision } : undefined;
    const detail = await api.importFile(JSON.stringify(workflow), replace);
    setPending(null);
    onOpen(detail.id);
  };

  return (
    <ListPage testId="workflow-list" active="workflows" subtitle="Workflow designer" title="Workflows"
      actions={canDesign && <>
          <button type="button" className="btn" onClick={() => fileInput.current?.click()} data-testid="import-workflow"
            title="Import a Baton JSON, BPMN 2.0 (.bpmn) or Salesforce orchestration (.flow-meta.xml) file">
            <UploadIcon /> Import…
          </button>
          <ImportFileInput inputRef={fileInput} testId="import-workflow-file" onFile={(file) => void importFile(file)} />
          <button type="button" className="btn btn--primary" onClick={() => setCreating(true)} data-testid="new-workflow">
            <PlusIcon /> New workflow
          </button>
          </>}>
      {error && <p className="banner banner--error" data-testid="list-error">{error}</p>}
      {pending && <ImportDialog pending={pending} onCancel={() => setPending(null)} onConfirm={saveImport} />}
      {creating && <CreateForm onCancel={() => setCreating(false)} onCreated={onOpen} taken={new Set(workflows?.map((w) => w.id))} />}
      {workflows === null && !error && <p className="wf-muted">Loading…</p>}
      {workflows && (
        <table className="table">
          <thead>
            <tr><th>Name</th><th>Description</th><th>Active version</th><th>Nodes</th><th>Problems</th><th>Updated</th></tr>
          </thead>
          <tbody>
            {workflows.map((w) => (
              <tr key={w.id} onClick={() => onOpen(w.id)} data-testid={`workflow-row-${w.id}`} className="table__row">
                <td><a href={`/workflows/${encodeURIComponent(w.id)}`} onClick={(e) => { e.preventDefault(); }} className="table__name">{w.name}</a><div className="wf-muted mono">{w.id}</div></td>
                <td className="table__desc">{w.description}</td>
                <td>{w.active_version ? <span className="tag tag--active">v{w.active_version}</span> : <span className="wf-muted">none</span>}
                  {w.latest_version && w.latest_version !== w.active_version ? <span className="wf-muted"> · latest v{w.latest_version}</span> : null}</td>
                <td>{w.node_count}</td>
                <td>{w.error_count ? <span className="count count--error">{w.error_count}</span> : <span className="count">0</span>}</td>
                <td className="wf-muted">{new Date(w.updated_at).toLocaleString()}</td>
              </tr>
            ))}
            {workflows.length === 0 && <tr><td colSpan={6} className="wf-muted">No workflows yet. Create one or import a file.</td></tr>}
          </tbody>
        </table>
      )}
    </ListPage>
  );
}

function CreateForm({ onCancel, onCreated, taken }: { onCancel: () => void; onCreated: (id: string) => void; taken: Set<string> }) {
  const [name, setName] = useState("");
  const [id, setId] = useState("");
  const [touchedId, setTouchedId] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const effectiveId = touchedId ? id : slugify(name);
  const submit = async () => {
    setError(null);
    try {
      const detail = await api.createWorkflow({
        id: effectiveId, name: name.trim(), description: "",
        nodes: [{ id: "start", kind: "start", name: "Start", description: "", position: { x: 0, y: 120 } }],
        edges: [],
      });
      onCreated(detail.id);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  return (
    <form className="create-form" onSubmit={(e) => { e.preventDefault(); void submit(); }} data-testid="create-form">
      <label className="field">
        <span className="field__label">Name</span>
        <input className="input" autoFocus value={name} onChange={(e) => setName(e.target.value)} data-testid="new-name" placeholder="Refund request" />
      </label>
      <label className="field">
        <span className="field__label">Identifier</span>
        <input className="input input--mono" value={effectiveId} data-testid="new-id"
          onChange={(e) => { setTouchedId(true); setId(e.target.value); }} />
        {taken.has(effectiveId) && <span className="field__hint field__hint--error">This identifier is taken.</span>}
      </label>
      <div className="create-form__actions">
        <button type="button" className="btn" onClick={onCancel}>Cancel</button>
        <button type="submit" className="btn btn--primary" disabled={!name.trim() || !effectiveId || taken.has(effectiveId)} data-testid="create-workflow">Create</button>
      </div>
      {error && <p className="banner banner--error">{error}</p>}
    </form>
  );
}
