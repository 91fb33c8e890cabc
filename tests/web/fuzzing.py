"""Fuzzing a served API from its own OpenAPI document with schemathesis, and tallying it.

`fuzz` sends every operation of the document schemathesis's two kinds of requests: its
coverage cases (each field at its bounds, of the wrong type, missing; every query and path
parameter broken in turn; methods the path does not serve) and property-based ones drawn by
Hypothesis, valid and schema-breaking. Each answer is checked: below 500, of a documented
status and content type, matching the documented schema (an error body is the `Error` shape,
with a request id) and, for a request that breaks the schema, refused with a 4xx. A 5xx is
counted and the run goes on, so one run reports every failure, each with a curl command that
replays it; the same seed generates the same requests again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import hypothesis
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, CheckFunction, GenerationMode, Response
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

TIMEOUT_S = 60.0  # of one request: an enrolment photo runs the models on two shared cores
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)

# What every answer is checked for, by the kind of request that got it (a 5xx is counted by
# the tally instead, so that one does not end the operation's run).
CHECKS: dict[GenerationMode, list[CheckFunction]] = {
    GenerationMode.POSITIVE: [
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        ignored_auth,  # a 2xx sent again without the token, then with a made-up one: 401
    ],
    GenerationMode.NEGATIVE: [
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
        negative_data_rejection,
    ],
}


@dataclass
class FuzzTally:
    """What a run sent and what came back."""

    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    operations: set[str] = field(default_factory=set)  # those sent at least one request
    server_errors: list[str] = field(default_factory=list)  # "POST /api/x -> 500: curl ..."
    failures: dict[str, str] = field(default_factory=dict)  # "POST /api/x (negative)": report
    seconds: float = 0.0

    def record(self, label: str, case: Case, response: Response) -> None:
        self.requests += 1
        self.statuses[response.status_code] += 1
        self.operations.add(label)
        if response.status_code >= 500:
            curl = case.as_curl_command(headers=dict(response.request.headers))
            self.server_errors.append(f"{label} -> {response.status_code}: {curl}"[:3000])

    def summary(self) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"{self.requests} requests over {len(self.operations)} operations in "
            f"{self.seconds:.0f} s; 5xx: {len(self.server_errors)}; failing: "
            f"{len(self.failures)}; statuses {statuses}"
        )


@contextmanager
def ids_drawn_from(known: Iterable[str]) -> Iterator[None]:
    """While in the block, a UUID Hypothesis generates is one of `known` (records made before
    the run, so bodies name real rows) about half the time, a random one otherwise."""
    from schemathesis.specs.openapi.formats import unregister_string_format

    known = list(known)
    random_ids = st.uuids().map(str)
    schemathesis.openapi.format(
        "uuid", st.one_of(st.sampled_from(known), random_ids) if known else random_ids
    )
    try:
        yield
    finally:
        unregister_string_format("uuid")


def _label(operation: APIOperation) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _ordered(operations: Iterable[APIOperation], last: Collection[str]) -> list[APIOperation]:
    """Operations in the document's order, those of `last` (e.g. signing out) at the end."""
    listed = list(operations)
    return [op for op in listed if _label(op) not in last] + [
        op for op in listed if _label(op) in last
    ]


@dataclass
class _Sender:
    url: str
    headers: dict[str, str]
    session: requests.Session
    tally: FuzzTally

    def send(self, label: str, case: Case) -> None:
        """Send the case and check the answer (raises schemathesis's failures)."""
        response = case.call(
            base_url=self.url, session=self.session, headers=self.headers, timeout=TIMEOUT_S
        )
        self.tally.record(label, case, response)
        mode = case.meta.generation.mode if case.meta is not None else GenerationMode.POSITIVE
        case.validate_response(response, checks=CHECKS[mode], headers=self.headers)


def fuzz(
    url: str,
    headers: dict[str, str],
    *,
    seed: int,
    examples: int,
    known: dict[str, str],
    last: Collection[str] = (),
) -> FuzzTally:
    """Every coverage case and up to `examples` Hypothesis cases per operation and mode, sent
    to the service at `url`. `known` maps path variables (room_id) to records that exist:
    valid cases are about them half the time; `last` operations go last."""
    tally = FuzzTally()
    started = time.monotonic()
    schema = schemathesis.openapi.from_url(
        f"{url}/api/openapi.json", headers=headers, timeout=TIMEOUT_S
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    with requests.Session() as session:
        sender = _Sender(url, headers, session, tally)
        for operation in _ordered(operations, last):
            label = _label(operation)
            failure = _cover(schema, operation, known, sender)
            if failure is not None:
                tally.failures[f"{label} (coverage)"] = failure
            for mode in MODES:
                failure = _generate(operation, mode, known, sender, seed, examples)
                if failure is not None:
                    tally.failures[f"{label} ({mode.value})"] = failure
    tally.seconds = time.monotonic() - started
    return tally


def _on_records(operation: APIOperation, known: dict[str, str]) -> dict[str, str] | None:
    names = [parameter.name for parameter in operation.path_parameters]
    if not names or any(name not in known for name in names):
        return None
    return {name: known[name] for name in names}


def _report(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:6000]


def _cover(
    schema: OpenApiSchema, operation: APIOperation, known: dict[str, str], sender: _Sender
) -> str | None:
    """Send every coverage case; the first failure's report, or None."""
    first: str | None = None
    records = _on_records(operation, known)
    cases = schema.iter_coverage_cases(
        operation,
        generation_modes=list(MODES),
        generation_config=schema.config.generation_for(operation=operation, phase="coverage"),
    )
    for index, case in enumerate(cases):
        coverage = case.meta.phase.data if case.meta is not None else None
        breaks_path = getattr(coverage, "parameter_location", None) == ParameterLocation.PATH
        # every other case is about records that exist, unless it is the path it breaks
        if records is not None and not breaks_path and index % 2 == 0:
            case.path_parameters = dict(records)
        try:
            sender.send(_label(operation), case)
        except (Exception, BaseExceptionGroup) as error:
            first = first or _report(error)
    return first


def _generate(
    operation: APIOperation,
    mode: GenerationMode,
    known: dict[str, str],
    sender: _Sender,
    seed: int,
    examples: int,
) -> str | None:
    """Up to `examples` Hypothesis cases; the report of the first failure, or None."""
    label = _label(operation)
    strategy = operation.as_strategy(generation_mode=mode)
    records = _on_records(operation, known)
    if records is not None:
        strategy = st.one_of(
            strategy, operation.as_strategy(generation_mode=mode, path_parameters=records)
        )

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,  # no examples remembered between runs: the seed alone decides
        derandomize=False,  # not even under CI, whose Hypothesis profile would derandomize
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
        report_multiple_bugs=False,
        verbosity=hypothesis.Verbosity.quiet,
    )
    @hypothesis.given(case=strategy)
    def run(case: Case) -> None:
        sender.send(label, case)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        return None  # nothing the strategy can make in this mode (e.g. no negative form)
    # schemathesis's FailureGroup (failed checks) is a BaseExceptionGroup; anything else is a
    # request that could not be sent
    except (Exception, BaseExceptionGroup) as error:
        return _report(error)
    return None
