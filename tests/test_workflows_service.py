"""The workflow definition service (runtime.services.workflows) and the pure diff under it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from graphs.diff import diff_workflows
from graphs.examples import example_names, load_example
from graphs.generate import generate_workflow
from graphs.io import dump_workflow
from graphs.model import EndNode, Position, StageNode, StartNode, Workflow
from runtime.db import make_engine, session_scope
from runtime.services import workflows as service
from runtime.services.workflows import (
    HasVersions,
    IdMismatch,
    InvalidWorkflow,
    StaleRevision,
    VersionNotFound,
    WorkflowExists,
    WorkflowNotFound,
)
from runtime.store import migrate
from runtime.store.workflow_tables import WorkflowRow
from tests.db_fixtures import wipe


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty, migrated database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'baton.db'}")
        migrate(engine)
    else:
        engine = make_engine(request.getfixturevalue("postgres_url"))
        wipe(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_scope(engine) as session:
        yield session


@pytest.fixture
def claim() -> Workflow:
    return load_example("insurance-claim")


def moved(workflow: Workflow, node_id: str, x: float) -> Workflow:
    """A copy of ``workflow`` with one node moved."""
    nodes = [
        node.model_copy(update={"position": Position(x=x, y=node.position.y)})
        if node.id == node_id
        else node
        for node in workflow.nodes
    ]
    return workflow.model_copy(update={"nodes": nodes})


def test_create_get_and_list(session: Session, claim: Workflow) -> None:
    detail = service.create_workflow(session=session, workflow=claim)
    assert (detail.revision, detail.latest_version, detail.active_version) == (1, None, None)
    assert service.get_workflow(session=session, workflow_id=claim.id).workflow == claim
    (summary,) = service.list_workflows(session=session)
    assert (summary.id, summary.node_count, summary.error_count) == (
        claim.id,
        len(claim.nodes),
        0,
    )
    with pytest.raises(WorkflowExists):
        service.create_workflow(session=session, workflow=claim)
    with pytest.raises(WorkflowNotFound):
        service.get_workflow(session=session, workflow_id="nope")


def test_two_saves_from_one_revision_cannot_both_win(session: Session, claim: Workflow) -> None:
    service.create_workflow(session=session, workflow=claim)
    first = moved(claim, claim.nodes[1].id, 1000)
    second = moved(claim, claim.nodes[1].id, 2000)
    saved = service.save_draft(session=session, workflow_id=claim.id, revision=1, workflow=first)
    assert saved.revision == 2
    with pytest.raises(StaleRevision) as refused:
        service.save_draft(session=session, workflow_id=claim.id, revision=1, workflow=second)
    assert refused.value.current_revision == 2
    assert service.get_workflow(session=session, workflow_id=claim.id).workflow == first


def test_the_write_itself_checks_the_revision(
    session: Session, claim: Workflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another writer may commit between our read and our write (PostgreSQL does not
    # serialise them as SQLite's BEGIN IMMEDIATE does): the conditional UPDATE must
    # still refuse, even with the early check out of the way.
    service.create_workflow(session=session, workflow=claim)
    service.save_draft(session=session, workflow_id=claim.id, revision=1, workflow=claim)
    monkeypatch.setattr(service, "_check_revision", lambda row, revision: None)
    with pytest.raises(StaleRevision) as refused:
        service.save_draft(session=session, workflow_id=claim.id, revision=1, workflow=claim)
    assert refused.value.current_revision == 2


def test_a_draft_cannot_rename_its_workflow(session: Session, claim: Workflow) -> None:
    service.create_workflow(session=session, workflow=claim)
    other = claim.model_copy(update={"id": "other"})
    with pytest.raises(IdMismatch):
        service.save_draft(session=session, workflow_id=claim.id, revision=1, workflow=other)


def test_versions_are_immutable_numbered_and_one_is_active(
    session: Session, claim: Workflow
) -> None:
    service.create_workflow(session=session, workflow=claim)
    assert service.publish(session=session, workflow_id=claim.id, revision=1).version == 1
    edited = moved(claim, claim.nodes[2].id, 777)
    service.save_draft(session=session, workflow_id=claim.id, revision=1, workflow=edited)
    assert service.publish(session=session, workflow_id=claim.id, revision=2).version == 2
    assert service.publish(session=session, workflow_id=claim.id, revision=2).version == 3

    # Editing the draft further never changes what was published.
    service.save_draft(
        session=session, workflow_id=claim.id, revision=2, workflow=moved(claim, "x", 0)
    )
    assert service.get_version(session=session, workflow_id=claim.id, version=1).workflow == claim
    assert service.get_version(session=session, workflow_id=claim.id, version=2).workflow == edited

    for chosen in (2, 1, 3):
        service.activate(session=session, workflow_id=claim.id, version=chosen)
        versions = service.list_versions(session=session, workflow_id=claim.id)
        assert [v.version for v in versions] == [3, 2, 1]
        assert [v.version for v in versions if v.active] == [chosen]
    with pytest.raises(VersionNotFound):
        service.activate(session=session, workflow_id=claim.id, version=4)


def test_publishing_refuses_errors_and_stale_revisions(session: Session, claim: Workflow) -> None:
    service.create_workflow(session=session, workflow=claim)
    # Dropping the edges leaves nodes unreachable: errors, so nothing may be published.
    broken = claim.model_copy(update={"edges": []})
    service.save_draft(session=session, workflow_id=claim.id, revision=1, workflow=broken)
    with pytest.raises(InvalidWorkflow) as refused:
        service.publish(session=session, workflow_id=claim.id, revision=2)
    assert any(p.severity == "error" for p in refused.value.problems)
    assert "cannot be published" in str(refused.value)
    with pytest.raises(StaleRevision):
        service.publish(session=session, workflow_id=claim.id, revision=1)
    assert service.list_versions(session=session, workflow_id=claim.id) == []


def test_only_never_published_workflows_can_be_deleted(session: Session, claim: Workflow) -> None:
    service.create_workflow(session=session, workflow=claim)
    tiny = Workflow(id="tiny", name="Tiny", nodes=[StartNode(id="s")])
    service.create_workflow(session=session, workflow=tiny)
    service.publish(session=session, workflow_id=claim.id, revision=1)
    with pytest.raises(HasVersions):
        service.delete_workflow(session=session, workflow_id=claim.id)
    service.delete_workflow(session=session, workflow_id="tiny")
    assert [s.id for s in service.list_workflows(session=session)] == [claim.id]
    with pytest.raises(WorkflowNotFound):
        service.delete_workflow(session=session, workflow_id="tiny")


def test_diff_between_a_version_and_the_draft(session: Session, claim: Workflow) -> None:
    service.create_workflow(session=session, workflow=claim)
    service.publish(session=session, workflow_id=claim.id, revision=1)
    node = claim.nodes[1].id
    service.save_draft(
        session=session, workflow_id=claim.id, revision=1, workflow=moved(claim, node, -50)
    )
    result = service.diff(session=session, workflow_id=claim.id, from_=1, to="draft")
    assert result.nodes.changed == [node]
    assert [(c.id, c.fields) for c in result.changes] == [(node, ["position"])]
    assert result.model_dump(by_alias=True)["from"] == 1


def test_install_examples_into_an_empty_store_only(session: Session) -> None:
    examples = [load_example(name) for name in example_names()]
    loaded = service.install_examples(session=session, workflows=examples)
    assert loaded == [w.id for w in examples]
    for summary in service.list_workflows(session=session):
        assert (summary.active_version, summary.latest_version) == (1, 1)
    assert service.install_examples(session=session, workflows=examples) == []
    assert service.install_examples(session=session, workflows=examples, only_if_empty=False) == []


def test_stored_drafts_in_an_old_format_upgrade_on_read(session: Session) -> None:
    old = {
        "schema_version": 0,
        "id": "legacy",
        "name": "Legacy",
        "nodes": [{"id": "s", "kind": "start", "x": 5, "y": 6}],
        "edges": [],
    }
    now = datetime.now(UTC)
    session.add(WorkflowRow(id="legacy", name="Legacy", draft=old, created_at=now, updated_at=now))
    session.flush()
    workflow = service.get_workflow(session=session, workflow_id="legacy").workflow
    assert workflow.schema_version == 1
    assert workflow.nodes[0].position == Position(x=5, y=6)


def test_import_creates_or_replaces_with_a_revision(session: Session, claim: Workflow) -> None:
    text = dump_workflow(claim)
    assert service.import_workflow(session=session, source=text).revision == 1
    with pytest.raises(WorkflowExists):
        service.import_workflow(session=session, source=text)
    with pytest.raises(StaleRevision):
        service.import_workflow(session=session, source=text, replace=True)
    replaced = service.import_workflow(session=session, source=text, replace=True, revision=1)
    assert replaced.revision == 2


# --- the pure diff ------------------------------------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), size=st.integers(4, 40))
def test_a_workflow_does_not_differ_from_itself(seed: int, size: int) -> None:
    workflow = generate_workflow(size, seed=seed)
    assert diff_workflows(workflow, workflow).is_empty()


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    drop=st.sets(st.integers(0, 30), max_size=5),
    move=st.sets(st.integers(0, 30), max_size=5),
)
def test_diff_names_exactly_the_dropped_and_moved_nodes(
    seed: int, drop: set[int], move: set[int]
) -> None:
    a = generate_workflow(30, seed=seed)
    ids = [node.id for node in a.nodes]
    dropped = {ids[i] for i in drop if i < len(ids)}
    shifted = {ids[i] for i in move if i < len(ids)} - dropped
    nodes = [
        node.model_copy(update={"position": Position(x=node.position.x + 1, y=node.position.y)})
        if node.id in shifted
        else node
        for node in a.nodes
        if node.id not in dropped
    ]
    kept_edges = [e for e in a.edges if e.source not in dropped and e.target not in dropped]
    b = a.model_copy(update={"nodes": nodes, "edges": kept_edges})
    result = diff_workflows(a, b)
    assert set(result.nodes.removed) == dropped
    assert result.nodes.added == []
    assert set(result.nodes.changed) == shifted
    assert set(result.edges.removed) == {e.id for e in a.edges} - {e.id for e in kept_edges}
    assert all(change.fields == ["position"] for change in result.changes)
    # Reversed, the diff mirrors itself.
    back = diff_workflows(b, a)
    assert set(back.nodes.added) == dropped and set(back.nodes.changed) == set(result.nodes.changed)


def test_diff_reports_fields_of_changed_stages_and_workflow() -> None:
    a = Workflow(
        id="w",
        name="W",
        nodes=[StartNode(id="s"), StageNode(id="t", name="Triage"), EndNode(id="e")],
    )
    b = a.model_copy(
        update={
            "description": "now documented",
            "nodes": [
                StartNode(id="s"),
                StageNode(id="t", name="Triage!", owner="tier1"),
                EndNode(id="e", resolution="closed"),
            ],
        }
    )
    result = diff_workflows(a, b)
    assert [(c.id, c.fields) for c in result.changes] == [
        ("t", ["name", "owner"]),
        ("e", ["resolution"]),
    ]
    assert result.workflow_fields == ["description"]


def test_list_counts_follow_every_change_of_the_draft(session: Session, claim: Workflow) -> None:
    service.create_workflow(session=session, workflow=claim)
    assert service.list_workflows(session=session)[0].error_count == 0
    broken = claim.model_copy(update={"edges": []})
    service.save_draft(session=session, workflow_id=claim.id, revision=1, workflow=broken)
    (summary,) = service.list_workflows(session=session)
    assert summary.error_count > 0 and summary.node_count == len(claim.nodes)
    # Deleted and created again under the same id at revision 1: counted afresh.
    service.delete_workflow(session=session, workflow_id=claim.id)
    small = Workflow(id=claim.id, name="Again", nodes=[StartNode(id="s"), EndNode(id="e")])
    service.create_workflow(session=session, workflow=small)
    assert service.list_workflows(session=session)[0].node_count == 2
