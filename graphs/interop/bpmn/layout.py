"""BPMN diagram interchange (BPMNDI): where each element is drawn.

Export draws every Baton node as one shape whose top-left corner is the node's canvas
position, so bpmn-js and Camunda Modeler show the workflow as Baton lays it out; a stage
is a collapsed subprocess whose steps are drawn on its own plane (the drill-down view).
Import reads a shape's top-left corner back as the node's position: exactly for a document
Baton wrote, and for one drawn elsewhere moved to start at (0, 0) and spread by
:data:`SPREAD`, because Baton's canvas draws a stage 240 pixels wide where BPMN draws a
task 100 wide: the modeller's arrangement stays, without boxes on top of each other.

>>> start = Shape("start", "startEvent", 0, 240)
>>> stage = Shape("work", "subProcess", 320, 240)
>>> edge_waypoints(start, stage)
[(36.0, 258.0), (320, 280.0)]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graphs.model import Position

__all__ = ["SPREAD", "Shape", "canvas_position", "diagram_xml", "edge_waypoints", "grid_shape",
           "size_of"]

#: How much further apart Baton's canvas puts nodes than a BPMN diagram draws them.
SPREAD = 2.0

#: Width and height of a shape by BPMN element type, as bpmn-js draws them by default.
_SIZES: dict[str, tuple[float, float]] = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "intermediateCatchEvent": (36, 36),
    "exclusiveGateway": (50, 50),
    "parallelGateway": (50, 50),
}
_TASK_SIZE = (100.0, 80.0)
#: Columns and rows of a stage's own plane.
_COLUMN, _ROW, _MARGIN = 150.0, 110.0, 80.0


def size_of(element_type: str) -> tuple[float, float]:
    """The default size of a shape of this type (tasks and subprocesses: 100 x 80)."""
    width, height = _SIZES.get(element_type, _TASK_SIZE)
    return float(width), float(height)


@dataclass(frozen=True, slots=True)
class Shape:
    """One shape: an element drawn at its top-left corner ``(x, y)``."""

    element: str
    type: str
    x: float
    y: float

    @property
    def size(self) -> tuple[float, float]:
        return size_of(self.type)

    @property
    def center(self) -> tuple[float, float]:
        width, height = self.size
        return self.x + width / 2, self.y + height / 2


def canvas_position(
    bounds: tuple[float, float], origin: tuple[float, float], *, baton: bool
) -> Position:
    """Where a shape's node goes on Baton's canvas (see the module docstring).

    >>> canvas_position((420, 130), (100, 80), baton=False)
    Position(x=640.0, y=100.0)
    >>> canvas_position((420, 130), (100, 80), baton=True)
    Position(x=420.0, y=130.0)
    """
    if baton:
        return Position(x=bounds[0], y=bounds[1])
    return Position(x=(bounds[0] - origin[0]) * SPREAD, y=(bounds[1] - origin[1]) * SPREAD)


def grid_shape(element: str, element_type: str, column: int, row: int) -> Shape:
    """A shape in a stage's plane, centred in its grid cell."""
    width, height = size_of(element_type)
    return Shape(
        element,
        element_type,
        _MARGIN + column * _COLUMN + (100 - width) / 2,
        _MARGIN + row * _ROW + (80 - height) / 2,
    )


def edge_waypoints(source: Shape, target: Shape) -> list[tuple[float, float]]:
    """From the source's right side to the target's left; a flow back runs underneath."""
    sw, sh = source.size
    tw, th = target.size
    if target.x > source.x + sw:
        return [(source.x + sw, source.y + sh / 2), (target.x, target.y + th / 2)]
    below = max(source.y + sh, target.y + th) + 40
    return [
        (source.x + sw / 2, source.y + sh),
        (source.x + sw / 2, below),
        (target.x + tw / 2, below),
        (target.x + tw / 2, target.y + th),
    ]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _shape_xml(shape: Shape, expanded: bool | None, shape_id: str) -> str:
    width, height = shape.size
    flag = "" if expanded is None else f' isExpanded="{str(expanded).lower()}"'
    return (
        f'<bpmndi:BPMNShape id="{shape_id}" bpmnElement="{shape.element}"{flag}>'
        f'<dc:Bounds x="{_number(shape.x)}" y="{_number(shape.y)}" '
        f'width="{_number(width)}" height="{_number(height)}"/></bpmndi:BPMNShape>'
    )


def _edge_xml(flow: str, points: Iterable[tuple[float, float]], edge_id: str) -> str:
    waypoints = "".join(f'<di:waypoint x="{_number(x)}" y="{_number(y)}"/>' for x, y in points)
    return f'<bpmndi:BPMNEdge id="{edge_id}" bpmnElement="{flow}">{waypoints}</bpmndi:BPMNEdge>'


def diagram_xml(
    plane_of: str,
    shapes: Iterable[Shape],
    flows: Iterable[tuple[str, str, str]],
    take: Callable[[str], str],
) -> str:
    """One ``BPMNDiagram``: a plane for ``plane_of`` with its shapes and flows.

    ``flows`` are ``(flow id, source element, target element)``; subprocess shapes are
    drawn collapsed. ``take`` makes each diagram id unique in the document, as XML ids
    must be.
    """
    placed = {shape.element: shape for shape in shapes}
    body = [
        _shape_xml(shape, False if shape.type == "subProcess" else None,
                   take(f"{shape.element}_di"))
        for shape in placed.values()
    ]
    for flow, source, target in flows:
        if source in placed and target in placed:
            points = edge_waypoints(placed[source], placed[target])
            body.append(_edge_xml(flow, points, take(f"{flow}_di")))
    return (
        f'<bpmndi:BPMNDiagram id="{take(plane_of + "_diagram")}">'
        f'<bpmndi:BPMNPlane id="{take(plane_of + "_plane")}" bpmnElement="{plane_of}">'
        + "".join(body)
        + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>"
    )
