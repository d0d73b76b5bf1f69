"""Two writers of one case at once are serialised by the case lock and nothing is lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runtime_flows import gated_flow, together
from sqlalchemy.engine import Engine

from runtime import services
from runtime.db import session_scope
from runtime.errors import Conflict

ROUNDS = 10


def test_concurrent_updates_of_one_case_are_all_kept(db: Engine, install: Any) -> None:
    install(gated_flow())
    with session_scope(db) as s:
        case = services.create_case(s, fields={"ready": False}, actor="ada")
        run = services.start_run(s, workflow_id="gated", case_id=case.id, actor="ada")

    def writer(name: str) -> Callable[[], None]:
        def job() -> None:
            for n in range(ROUNDS):
                while True:  # read-modify-write of a shared counter, guarded by the version
                    try:
                        with session_scope(db) as s:
                            seen = services.get_case(s, case_id=case.id)
                            services.update_case(
                                s, case_id=case.id, actor=name, expected_version=seen.version,
                                changes={name: n, "total": seen.fields.get("total", 0) + 1},
                            )  # fmt: skip
                        break
                    except Conflict:
                        continue

        return job

    assert together(writer("left"), writer("right")) == []
    with session_scope(db) as s:
        final = services.get_case(s, case_id=case.id)
        assert final.fields == {
            "ready": False, "left": ROUNDS - 1, "right": ROUNDS - 1, "total": 2 * ROUNDS,
        }  # fmt: skip
        assert final.version == 1 + 2 * ROUNDS
        changes = services.list_case_changes(s, case_id=case.id)
        assert sorted({c.seq for c in changes}) == list(range(1, 2 + 2 * ROUNDS))
        # The run saw every update, in order, with nothing missing from its log.
        run_row = services.get_run(s, run_id=run.id)
        log = services.read_log(s, run_id=run.id)
        assert [e.seq for e in log] == list(range(1, run_row.seq + 1))
        assert run_row.state["case"] == final.fields


def test_of_two_updates_from_the_same_version_one_is_refused(db: Engine) -> None:
    with session_scope(db) as s:
        case = services.create_case(s, fields={"owner": None}, actor="ada")

    def claim(name: str) -> Callable[[], None]:
        def job() -> None:
            with session_scope(db) as s:
                services.update_case(
                    s, case_id=case.id, changes={"owner": name}, actor=name, expected_version=1
                )

        return job

    errors = together(claim("ada"), claim("bo"))
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    with session_scope(db) as s:
        final = services.get_case(s, case_id=case.id)
        assert final.version == 2 and final.fields["owner"] in {"ada", "bo"}
