// Small controlled form controls used by every panel.
import { useEffect, useState, type MouseEvent, type ReactNode } from "react";
import { ArrowDownIcon, ArrowUpIcon, CloseIcon } from "../components/icons";

export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span className="field__label">{label}</span>
      {children}
      {hint && <span className="field__hint">{hint}</span>}
    </label>
  );
}

/** A labelled group of several controls (checkboxes). Not a <label>: a label around
 *  several inputs passes every click on its text to the first of them, which once
 *  ticked "Waits for" the first step of a stage without the admin asking. */
export function FieldGroup({ label, hint, children, testId }: { label: string; hint?: string; children: ReactNode; testId?: string }) {
  return (
    <div className="field" role="group" aria-label={label} data-testid={testId}>
      <span className="field__label">{label}</span>
      {children}
      {hint && <span className="field__hint">{hint}</span>}
    </div>
  );
}

export function TextInput({ value, onChange, placeholder, testId, mono }: {
  value: string; onChange: (v: string) => void; placeholder?: string; testId?: string; mono?: boolean;
}) {
  return (
    <input className={`input ${mono ? "input--mono" : ""}`} value={value} placeholder={placeholder}
      onChange={(e) => onChange(e.target.value)} data-testid={testId} />
  );
}

export function TextArea({ value, onChange, placeholder, testId }: {
  value: string; onChange: (v: string) => void; placeholder?: string; testId?: string;
}) {
  return (
    <textarea className="input" rows={2} value={value} placeholder={placeholder}
      onChange={(e) => onChange(e.target.value)} data-testid={testId} />
  );
}

/** A number box that lets the user clear it (null) and type freely before it parses. */
export function NumberInput({ value, onChange, placeholder, testId, min }: {
  value: number | null | undefined; onChange: (v: number | null) => void; placeholder?: string; testId?: string; min?: number;
}) {
  const [text, setText] = useState(value === null || value === undefined ? "" : String(value));
  useEffect(() => {
    const parsed = text.trim() === "" ? null : Number(text);
    if (parsed !== (value ?? null)) setText(value === null || value === undefined ? "" : String(value));
    // Only follow outside changes (undo, another field), not our own partial input.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
  return (
    <input className="input input--number" type="number" value={text} placeholder={placeholder} min={min}
      data-testid={testId}
      onChange={(e) => {
        setText(e.target.value);
        const raw = e.target.value.trim();
        if (raw === "") onChange(null);
        else if (Number.isFinite(Number(raw))) onChange(Number(raw));
      }} />
  );
}

export function Select<T extends string>({ value, options, onChange, testId }: {
  value: T; options: readonly (T | { value: T; label: string })[]; onChange: (v: T) => void; testId?: string;
}) {
  return (
    <select className="input" value={value} onChange={(e) => onChange(e.target.value as T)} data-testid={testId}>
      {options.map((o) => {
        const item = typeof o === "string" ? { value: o, label: o } : o;
        return <option key={item.value} value={item.value}>{item.label}</option>;
      })}
    </select>
  );
}

export function Checkbox({ checked, onChange, label, testId }: {
  checked: boolean; onChange: (v: boolean) => void; label: string; testId?: string;
}) {
  return (
    <label className="checkbox">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />
      <span>{label}</span>
    </label>
  );
}

/** A comma-separated list of strings, kept as typed until the list actually changes. */
export function ListInput({ value, onChange, placeholder, testId }: {
  value: string[]; onChange: (v: string[]) => void; placeholder?: string; testId?: string;
}) {
  const [text, setText] = useState(value.join(", "));
  useEffect(() => {
    if (parseList(text).join("\u0000") !== value.join("\u0000")) setText(value.join(", "));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
  return (
    <input className="input" value={text} placeholder={placeholder} data-testid={testId}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseList(e.target.value));
      }} />
  );
}

export function parseList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="panel-section">
      <header className="panel-section__header">
        <h3>{title}</h3>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** Moves around the panel (opens a step, goes back to its stage). A link rather than a
 *  button: the panel's fieldset disables its buttons for roles that may not edit, and
 *  those roles still need to get around to read. */
export function PanelLink({ onOpen, className, testId, children }: {
  onOpen: () => void; className?: string; testId?: string; children: ReactNode;
}) {
  const open = (event: MouseEvent) => {
    event.preventDefault();
    onOpen();
  };
  return <a href="#" role="button" className={className} onClick={open} data-testid={testId}>{children}</a>;
}

/** Move up, move down and remove, for item `index` of `count` in an ordered list. */
export function ReorderButtons({ index, count, onMove, onRemove, removeLabel, removeTestId }: {
  index: number; count: number; onMove: (delta: -1 | 1) => void; onRemove: () => void;
  removeLabel: string; removeTestId?: string;
}) {
  return (
    <>
      <button type="button" className="icon-btn icon-btn--small" disabled={index === 0} aria-label="Move up"
        onClick={() => onMove(-1)}><ArrowUpIcon size={11} /></button>
      <button type="button" className="icon-btn icon-btn--small" disabled={index === count - 1} aria-label="Move down"
        onClick={() => onMove(1)}><ArrowDownIcon size={11} /></button>
      <button type="button" className="icon-btn icon-btn--small" aria-label={removeLabel} data-testid={removeTestId}
        onClick={onRemove}><CloseIcon size={11} /></button>
    </>
  );
}
