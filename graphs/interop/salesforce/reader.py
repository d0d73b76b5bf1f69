"""A Salesforce orchestration (``.flow-meta.xml``, process type Orchestrator) as a Baton workflow.

``orchestratedStages`` become stages, ``decisions`` decisions, connectors edges (a
connector that closes a loop a go-to edge), the ``start`` element's object, trigger type
and filters a record trigger. A stage or outcome without a connector ends the run: it
leads to an end node. What Baton left in ``processMetadataValues`` (see
:mod:`.vocabulary`) fills in what Salesforce has no field for; what is in the
Salesforce fields wins where both say something.

>>> from graphs.examples import load_example
>>> from graphs.interop.salesforce.writer import export_orchestration
>>> original = load_example("access-request")
>>> workflow, report = import_orchestration(export_orchestration(original).encode())
>>> workflow == original, report
(True, [])
"""

from __future__ import annotations

import re
from typing import Any
from xml.etree.ElementTree import Element

from graphs.interop.errors import NothingToImport, UnknownDocumentKind
from graphs.interop.formats import format_of_root
from graphs.interop.report import InteropFormat, ReportItem, ReportKind
from graphs.interop.safe_xml import local_name, parse_xml
from graphs.interop.salesforce.conditions import record_fields
from graphs.interop.salesforce.fields import declare_fields
from graphs.interop.salesforce.kept import (
    dict_of,
    edges_of,
    kept_id,
    kept_label,
    list_of,
    position,
    text_of,
)
from graphs.interop.salesforce.steps import Reporter, condition_from, plain, read_rows, read_step
from graphs.interop.salesforce.trigger import read_trigger
from graphs.interop.salesforce.vocabulary import children, read_baton_data, tag, text
from graphs.interop.salesforce.walk import back_edges, visit_order
from graphs.io import document_to_workflow
from graphs.model import Workflow
from graphs.salesforce import DEFAULT_ID_FIELD
from graphs.unique_names import first_free

__all__ = ["import_orchestration"]

_PROCESS_TYPES = {
    "Flow": "a screen flow",
    "AutoLaunchedFlow": "an autolaunched flow",
    "Workflow": "a Process Builder process",
    "InvocableProcess": "an invocable Process Builder process",
    "ApprovalWorkflow": "an approval process",
    "RecordTriggeredFlow": "a record-triggered flow",
}
#: Flow elements an orchestration import reads, or that hold no element of their own.
_READ = frozenset({"orchestratedStages", "decisions", "start", "processMetadataValues"})


def import_orchestration(data: bytes) -> tuple[Workflow, list[ReportItem]]:
    """Read an orchestration into a workflow and the report of what did not map one to one."""
    root = parse_xml(data)
    if format_of_root(root) is not InteropFormat.SALESFORCE:
        raise UnknownDocumentKind("a BPMN 2.0 document, not a Salesforce orchestration")
    process_type = text(root, "processType")
    if process_type != "Orchestrator":
        what = _PROCESS_TYPES.get(process_type, f"a flow of process type {process_type!r}")
        if not process_type:
            what = "a flow without a process type"
        raise UnknownDocumentKind(
            f"a Salesforce flow, but {what} (processType {process_type or 'missing'}); "
            "Baton imports orchestrations (processType Orchestrator)"
        )
    return _Reader(root).read()


class _Reader:
    def __init__(self, root: Element) -> None:
        self.root = root
        self.report: list[ReportItem] = []
        self.flow = read_baton_data(root) or {}
        self.stages = children(root, "orchestratedStages")
        self.decisions = children(root, "decisions")
        if not self.stages and not self.flow:  # a Baton workflow may have none yet
            raise NothingToImport("the orchestration has no orchestratedStages")
        self.ids: dict[str, str] = {}
        for element in [*self.stages, *self.decisions]:
            self.ids[text(element, "name")] = kept_id(element, text(element, "name"))
        # Case field -> Salesforce record field: the trigger's mapping, else the record Id
        # into the case field Baton's Salesforce sync fills with it.
        self.record = record_fields(self.flow.get("trigger")) or {DEFAULT_ID_FIELD: "Id"}
        self.step_ids: dict[str, str] = {}
        self.step_names: dict[str, str] = {}
        for stage in self.stages:
            for step in children(stage, "stageSteps"):
                api = text(step, "name")
                step_id = kept_id(step, api)
                self.step_ids[api] = step_id
                self.step_names.setdefault(step_id, api)

    def add(
        self,
        element_id: str,
        element_type: str,
        kind: ReportKind,
        reason: str,
        baton_id: str | None = None,
    ) -> None:
        self.report.append(ReportItem(element_id, element_type, kind, reason, baton_id))

    def _reporter(self, prefix: str) -> Reporter:
        def report(
            element_id: str, element_type: str, kind: ReportKind, reason: str, baton_id: str
        ) -> None:
            where = f"{prefix}/{baton_id}" if prefix and baton_id else (baton_id or None)
            self.add(element_id, element_type, kind, reason, where)

        return report

    def read(self) -> tuple[Workflow, list[ReportItem]]:
        label = text(self.root, "label") or "Imported orchestration"
        flow_id = self.flow.get("id")
        start_el = self.root.find(tag("start"))
        start = self._start(start_el)
        nodes: list[dict[str, Any]] = [start]
        nodes += [self._stage(element) for element in self.stages]
        nodes += [self._decision(element) for element in self.decisions]
        edges, ends = self._edges(start["id"], start_el)
        nodes += _placed(ends, nodes, edges)
        self._unread()
        kept_order = [i for i in list_of(self.flow.get("order")) if isinstance(i, str)]
        order = {node_id: n for n, node_id in enumerate(kept_order)}
        visit = {node_id: n for n, node_id in enumerate(visit_order(start["id"], edges))}
        nodes.sort(key=lambda node: order.get(node["id"], len(order) + visit.get(node["id"], 0)))
        document: dict[str, Any] = {
            "id": flow_id if isinstance(flow_id, str) else _slug(label),
            "name": kept_label(label, self.flow, "") or label,
            "description": text(self.root, "description"),
            "trigger": read_trigger(
                start_el, dict_of(self.flow.get("trigger")), self._reporter(""), self.record
            ),
            "nodes": nodes,
            "edges": edges,
        }
        for key in ("case_schema", "max_visits_per_node", "escalations"):
            if key in self.flow:
                document[key] = self.flow[key]
        if not self.flow:  # a file from Salesforce: declare the fields it reads
            for reason in declare_fields(document):
                self.add(label, "Flow", ReportKind.APPROXIMATED, reason)
        return document_to_workflow(document), self.report

    # ------------------------------------------------------------------ nodes

    def _start(self, element: Element | None) -> dict[str, Any]:
        kept = dict_of(self.flow.get("start"))
        node: dict[str, Any] = dict(kept or {"id": "start", "name": "Start"})
        # Kept data may have been edited by hand: the start's id must be text to walk from.
        node["id"] = text_of(node.get("id"), "start")
        node["kind"] = "start"
        if element is not None:
            node["position"] = position(element, node)
        return node

    def _stage(self, element: Element) -> dict[str, Any]:
        api = text(element, "name")
        kept = read_baton_data(element) or {}
        node: dict[str, Any] = {k: v for k, v in kept.items() if k != "steps"}
        node.update(kind="stage", id=self.ids[api], description=text(element, "description"))
        node["name"] = kept_label(text(element, "label"), kept, node["id"])
        node["position"] = position(element, kept)
        stage_steps = {
            text(s, "name"): self.step_ids[text(s, "name")] for s in children(element, "stageSteps")
        }
        names = {**self.step_names, **{v: k for k, v in stage_steps.items()}}
        notes: list[str] = []
        node["exit_condition"] = plain(
            condition_from(
                text(element, "exitConditionLogic"),
                read_rows(element, "exitConditions"),
                kept.get("exit_condition"),
                names,
                self.step_ids,
                notes,
                self.record,
            )
        )
        for note in notes:
            self.add(
                api,
                "orchestratedStages",
                ReportKind.APPROXIMATED,
                f"exit condition: {note}",
                node["id"],
            )
        evaluation = text(element, "exitActionName")
        if evaluation:
            self.add(
                api,
                "orchestratedStages",
                ReportKind.UNRESOLVED_REFERENCE,
                f"completes when the evaluation flow {evaluation!r} says so; Baton cannot "
                "run it, so the stage completes when its steps are done: write its rules "
                "as an exit condition",
                node["id"],
            )
        if element.find(tag("faultConnector")) is not None:
            self.add(
                api,
                "orchestratedStages",
                ReportKind.NOT_IMPORTED,
                "its fault path was not imported: Baton stops a failing step as an "
                "incident an admin retries, skips or cancels",
                node["id"],
            )
        node["steps"] = [
            read_step(
                step,
                stage_steps[text(step, "name")],
                read_baton_data(step) or {},
                stage_steps,
                names,
                self.step_ids,
                self._reporter(node["id"]),
                self.record,
            )
            for step in children(element, "stageSteps")
        ]
        return {k: v for k, v in node.items() if v is not None}

    def _decision(self, element: Element) -> dict[str, Any]:
        api = text(element, "name")
        kept = read_baton_data(element) or {}
        node: dict[str, Any] = {k: v for k, v in kept.items() if k not in ("outcomes",)}
        node.update(kind="decision", id=self.ids[api], description=text(element, "description"))
        node["name"] = kept_label(text(element, "label"), kept, node["id"])
        node["position"] = position(element, kept)
        node["outcomes"] = [
            self._outcome(api, node["id"], rule) for rule in children(element, "rules")
        ]
        label = text(element, "defaultConnectorLabel")
        default = kept.get("default_outcome") if kept else {"id": "default"}
        if not isinstance(default, dict) and (label or element.find(tag("defaultConnector"))):
            default = {"id": "default"}
        if isinstance(default, dict):
            default = {**default, "label": label or default.get("label") or "Default outcome"}
            default.pop("condition", None)
        node["default_outcome"] = default
        return node

    def _outcome(self, decision_api: str, decision_id: str, rule: Element) -> dict[str, Any]:
        api = text(rule, "name")
        kept = read_baton_data(rule) or {}
        outcome_id = kept.get("id") if isinstance(kept.get("id"), str) else api
        notes: list[str] = []
        condition = condition_from(
            text(rule, "conditionLogic"),
            read_rows(rule, "conditions"),
            kept.get("condition"),
            self.step_names,
            self.step_ids,
            notes,
            self.record,
        )
        for note in notes:
            self.add(api, "decisions.rules", ReportKind.APPROXIMATED, note, decision_id)
        outcome = {"id": outcome_id, "label": text(rule, "label") or outcome_id}
        return {**outcome, "condition": plain(condition)} if condition is not None else outcome

    # ------------------------------------------------------------------ edges

    def _exits(
        self, start_id: str, start: Element | None
    ) -> list[tuple[str, str | None, str, str]]:
        """(source id, outcome id, target API name or "", label) for every connector."""
        exits: list[tuple[str, str | None, str, str]] = []
        if start is not None:
            exits.append((start_id, None, _target(start, "connector"), ""))
        for stage in self.stages:
            exits.append((self.ids[text(stage, "name")], None, _target(stage, "connector"), ""))
        for decision in self.decisions:
            node_id = self.ids[text(decision, "name")]
            for rule in children(decision, "rules"):
                kept = read_baton_data(rule) or {}
                outcome = kept.get("id") if isinstance(kept.get("id"), str) else text(rule, "name")
                exits.append((node_id, outcome, _target(rule, "connector"), text(rule, "label")))
            default = read_baton_data(decision) or {"default_outcome": {"id": "default"}}
            kept_default = default.get("default_outcome")
            if isinstance(kept_default, dict) or decision.find(tag("defaultConnector")) is not None:
                outcome = text_of(dict_of(kept_default).get("id"), "default")
                exits.append(
                    (
                        node_id,
                        outcome,
                        _target(decision, "defaultConnector"),
                        text(decision, "defaultConnectorLabel"),
                    )
                )
        return exits

    def _edges(
        self, start_id: str, start: Element | None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        kept_edges = edges_of(self.flow.get("edges"))
        kept_ends = {
            e["id"]: e
            for e in list_of(self.flow.get("ends"))
            if isinstance(e, dict) and isinstance(e.get("id"), str)
        }
        exits = self._exits(start_id, start)
        goto = back_edges(start_id, [(s, self.ids.get(t, "")) for s, _, t, _ in exits])
        edges: list[dict[str, Any]] = []
        ends: dict[str, dict[str, Any]] = {}
        taken: set[str] = set()
        for source, outcome, target_api, label in exits:
            target = self.ids.get(target_api)
            if target_api and target is None:
                self.add(
                    target_api,
                    "connector",
                    ReportKind.NOT_IMPORTED,
                    f"a connector from {source!r} leads to {target_api!r}, which is not a "
                    "stage or decision; the run ends there",
                    source,
                )
            match = next(
                (
                    e
                    for e in kept_edges
                    if e.get("source") == source
                    and e.get("outcome") == outcome
                    and (e.get("target") == target if target else e.get("target") in kept_ends)
                ),
                None,
            )
            if match is not None:
                edge = dict(match)
                if target is None:
                    ends[edge["target"]] = {**kept_ends[edge["target"]], "kind": "end"}
            else:
                if target is None:
                    end_id = first_free("end", set(self.ids.values()) | {start_id}, sep="-")
                    ends.setdefault(end_id, {"id": end_id, "kind": "end", "name": "End"})
                    target = end_id
                kind = "goto" if (source, target) in goto else ("outcome" if outcome else "next")
                edge = {
                    "id": first_free(f"{source}--{outcome or target}", taken, sep="-"),
                    "source": source,
                    "target": target,
                    "kind": kind,
                    "label": label if outcome else "",
                }
                if outcome:
                    edge["outcome"] = outcome
            taken.add(edge["id"])
            edges.append(edge)
        order = {e.get("id"): n for n, e in enumerate(kept_edges)}
        edges.sort(key=lambda e: order.get(e["id"], len(order)))
        return edges, list(ends.values())

    def _unread(self) -> None:
        for child in self.root:
            name = local_name(child)
            if name in _READ or child.find(tag("name")) is None:
                continue
            self.add(
                text(child, "name"),
                name,
                ReportKind.NOT_IMPORTED,
                f"a {name} element: an orchestration import reads stages, steps, "
                "decisions and the start; Baton keeps values in case fields",
            )


def _placed(
    ends: list[dict[str, Any]], nodes: list[dict[str, Any]], edges: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """End nodes, each new one placed below the first node that leads to it."""
    where = {node["id"]: node.get("position") or {} for node in nodes}
    for end in ends:
        if "position" in end:
            continue
        source = next((e["source"] for e in edges if e["target"] == end["id"]), "")
        at = where.get(source, {})
        end["position"] = {"x": at.get("x", 0.0), "y": at.get("y", 0.0) + 150.0}
    return ends


def _target(element: Element, local: str) -> str:
    holder = element.find(tag(local))
    return text(holder, "targetReference") if holder is not None else ""


def _slug(label: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-").lower()
    return slug[:120] if slug and slug[0].isalpha() else f"flow-{slug}"[:120].rstrip("-")
