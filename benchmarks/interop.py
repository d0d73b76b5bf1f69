"""How long BPMN import and export take: the largest corpus files and 17 generated pools.

Run with ``.venv/bin/python benchmarks/interop.py [--repeat N]``. For the largest files of
the BPMN corpus (``tests/graphs/interop/corpus/bpmn``) it prints the best wall-clock time
of ``graphs.interop.import_document`` (parse, map, validate) and of exporting the
imported workflow back to BPMN; then the same for a generated document of 17 pools of
about 170 KB (a collaboration: one pool is imported, the others reported), whose import
must take under one second; then a generated Baton workflow of 1,000 nodes exported to
BPMN and imported back. The last line is one JSON object.

``--write-support-case`` instead rewrites ``benchmarks/support_case.bpmn``, the model
``benchmarks/engine.py`` runs on SpiffWorkflow, from the shipped support-case workflow.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from graphs.errors import WorkflowFormatError  # noqa: E402
from graphs.interop import InteropFormat, export_workflow, import_document  # noqa: E402

CORPUS = ROOT / "tests" / "graphs" / "interop" / "corpus" / "bpmn"
SUPPORT_CASE_BPMN = Path(__file__).with_name("support_case.bpmn")
POOLS = 17
TARGET_BYTES = 170_000
LIMIT_S = 1.0


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds, each after a full collection."""
    times = []
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def _pool(n: int, tasks: int) -> tuple[str, str]:
    """One pool: a participant and its process of ``tasks`` tasks, a decision, a loop, DI."""
    p = f"p{n}"
    nodes = [f'<bpmn:startEvent id="{p}_start" name="Request arrives"/>']
    flows: list[tuple[str, str, str, str]] = []
    shapes = [(f"{p}_start", 0, 36, 36)]
    previous = f"{p}_start"
    for k in range(tasks):
        kind = ("userTask", "serviceTask", "scriptTask")[k % 3]
        nodes.append(f'<bpmn:{kind} id="{p}_t{k}" name="Task {k} of pool {n}" '
                     f'camunda:candidateGroups="team{k % 4}"/>')
        flows.append((f"{p}_f{k}", previous, f"{p}_t{k}", ""))
        shapes.append((f"{p}_t{k}", 100 + 150 * k, 100, 80))
        previous = f"{p}_t{k}"
        if k % 5 == 4:
            gate = f"{p}_g{k}"
            nodes.append(f'<bpmn:exclusiveGateway id="{gate}" name="Done?" default="{p}_d{k}"/>')
            flows.append((f"{p}_in{k}", previous, gate, ""))
            flows.append((f"{p}_back{k}", gate, f"{p}_t{k - 4}", "${amount &gt; 1000}"))
            flows.append((f"{p}_d{k}", gate, f"{p}_n{k}", ""))
            nodes.append(f'<bpmn:task id="{p}_n{k}" name="Record"/>')
            shapes += [(gate, 100 + 150 * k + 110, 115, 50),
                       (f"{p}_n{k}", 100 + 150 * k + 60, 220, 80)]
            previous = f"{p}_n{k}"
    nodes.append(f'<bpmn:endEvent id="{p}_end" name="Done"/>')
    flows.append((f"{p}_fend", previous, f"{p}_end", ""))
    shapes.append((f"{p}_end", 150 * tasks + 200, 122, 36))
    body = "".join(nodes) + "".join(
        f'<bpmn:sequenceFlow id="{i}" sourceRef="{s}" targetRef="{t}">'
        + (f"<bpmn:conditionExpression>{c}</bpmn:conditionExpression>" if c else "")
        + "</bpmn:sequenceFlow>" for i, s, t, c in flows)
    di = "".join(
        f'<bpmndi:BPMNShape id="{e}_di" bpmnElement="{e}"><dc:Bounds x="{x}" y="{y + 300 * n}" '
        f'width="{w}" height="{w if w < 80 else 80}"/></bpmndi:BPMNShape>' for e, x, y, w in shapes)
    process = (f'<bpmn:process id="{p}" name="Pool {n}" isExecutable="{str(n == 0).lower()}">'
               f"{body}</bpmn:process>")
    return process, di


def seventeen_pools(target: int = TARGET_BYTES) -> bytes:
    """A BPMN document of 17 pools (a collaboration) of about ``target`` bytes."""
    tasks = 4
    while True:
        pools = [_pool(n, tasks) for n in range(POOLS)]
        participants = "".join(f'<bpmn:participant id="pool{n}" name="Pool {n}" processRef="p{n}"/>'
                               for n in range(POOLS))
        text = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
            'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
            'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="pools" targetNamespace="x">'
            f'<bpmn:collaboration id="collab">{participants}</bpmn:collaboration>'
            + "".join(process for process, _ in pools)
            + '<bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="plane" bpmnElement="collab">'
            + "".join(di for _, di in pools)
            + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"
        )
        if len(text) >= target:
            return text.encode()
        tasks += 1


def measure(name: str, data: bytes, repeat: int) -> dict[str, Any]:
    result = import_document(data)
    import_s = best_of(repeat, lambda: import_document(data))
    export_s = best_of(repeat, lambda: export_workflow(result.workflow, InteropFormat.BPMN))
    return {"file": name, "bytes": len(data), "nodes": len(result.workflow.nodes),
            "reported": len(result.report), "import_s": round(import_s, 4),
            "export_s": round(export_s, 4)}


def write_support_case() -> None:
    from benchmarks.engine import background_outputs, load_support_case
    from graphs.interop.bpmn.writer import workflow_to_bpmn

    workflow = load_support_case()
    SUPPORT_CASE_BPMN.write_text(workflow_to_bpmn(workflow, outputs=background_outputs(workflow)))
    print(f"wrote {SUPPORT_CASE_BPMN.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each, best reported")
    parser.add_argument("--largest", type=int, default=5, help="corpus files to time")
    parser.add_argument("--write-support-case", action="store_true",
                        help="rewrite benchmarks/support_case.bpmn and stop")
    args = parser.parse_args()
    if args.write_support_case:
        write_support_case()
        return
    files = sorted(CORPUS.rglob("*.bpmn"), key=lambda p: p.stat().st_size, reverse=True)
    rows = []
    for path in files:
        try:
            rows.append(measure(path.relative_to(CORPUS).as_posix(), path.read_bytes(),
                                args.repeat))
        except WorkflowFormatError:
            continue  # the corpus keeps broken files on purpose: they import nothing
        if len(rows) == args.largest:
            break
    pools = measure(f"generated: {POOLS} pools", seventeen_pools(), args.repeat)
    print(f"{'file':45} {'bytes':>8} {'nodes':>6} {'reported':>8} {'import s':>9} {'export s':>9}")
    for row in [*rows, pools]:
        print(f"{row['file']:45} {row['bytes']:>8} {row['nodes']:>6} {row['reported']:>8} "
              f"{row['import_s']:>9.4f} {row['export_s']:>9.4f}")
    from graphs.generate import generate_workflow

    large = generate_workflow(1000, seed=0)
    text = export_workflow(large, InteropFormat.BPMN)
    large_export_s = best_of(args.repeat, lambda: export_workflow(large, InteropFormat.BPMN))
    large_import_s = best_of(args.repeat, lambda: import_document(text.encode()))
    print(f"Baton workflow of 1000 nodes: BPMN of {len(text)} bytes, export "
          f"{large_export_s:.4f} s, import back {large_import_s:.4f} s")
    verdict = "under" if pools["import_s"] < LIMIT_S else "OVER"
    print(f"17 pools, {pools['bytes']} bytes: import {pools['import_s']:.4f} s, {verdict} "
          f"the {LIMIT_S:.0f} s target")
    print(json.dumps({
        "import_largest_s": rows[0]["import_s"], "export_largest_s": rows[0]["export_s"],
        "largest_file": rows[0]["file"], "largest_bytes": rows[0]["bytes"],
        "import_17_pools_s": pools["import_s"], "export_17_pools_s": pools["export_s"],
        "bytes_17_pools": pools["bytes"], "within_target": pools["import_s"] < LIMIT_S,
        "export_1000_nodes_s": round(large_export_s, 4),
        "import_1000_nodes_s": round(large_import_s, 4), "bytes_1000_nodes": len(text),
        "files": rows,
    }))


if __name__ == "__main__":
    main()
