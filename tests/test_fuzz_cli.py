"""Property-based fuzzing of the ``abm`` command: scenario files, sweep specs and flags.

Every case runs the real CLI entry point (``abm.cli.main``) in this process and checks
the contract: exit status 0 or 2, and on 2 only lines starting ``abm: error:`` (or
problem lines of ``abm validate``), never a traceback or an internal error. Each case
has a time limit, so a hang fails the test too.

CI runs a few hundred cases (``ABM_FUZZ_EXAMPLES``, default 60 per property); the
soak target ``make fuzz`` runs thousands.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abm.cli import main
from tests.conftest import SCENARIOS, toml_literal

EXAMPLES = int(os.environ.get("ABM_FUZZ_EXAMPLES", "60"))
CASE_SECONDS = float(os.environ.get("ABM_FUZZ_CASE_SECONDS", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize="ABM_FUZZ_SEED" not in os.environ,
)
BASELINE = (SCENARIOS / "baseline.toml").as_posix()

# ------------------------------------------------------------------ strategies

keys = st.sampled_from(
    [
        "scenario.name",
        "scenario.steps",
        "scenario.start",
        "scenario.seed",
        "population.firms",
        "params.location.temperature",
        "params.agglomeration.cap",
        "params.firm.exit_threshold",
        "regions.daegu.lat",
        "regions.deagu.lat",
        "regions.daegu.incentives.subsidy_rate",
        "centers.gwangju_nadc.site",
        "centers.gwangju_nadc.capacity",
        "centers.nope.site",
        "government.central.programs",
        "regions",
        "centers",
        "scenario",
        "inherit",
        "params",
        "x.y.z",
    ]
)
text_values = st.text(string.printable + "\0한", max_size=30)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    text_values,
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(text_values, inner, max_size=3)
    ),
    max_leaves=8,
)


deep = st.integers(1, 1200).map(lambda n: "x = " + "[" * n + "]" * n)
dotted = st.integers(1, 1600).map(lambda n: "a" + ".a" * n + " = 1")
garbage = st.binary(max_size=300).map(lambda b: b.decode("utf-8", "replace"))


@st.composite
def scenario_files(draw) -> str:
    """Files that inherit the baseline and set one bad-or-good thing, or pure garbage."""
    kind = draw(st.sampled_from(["assign", "inherit", "deep", "dotted", "garbage", "table"]))
    if kind == "deep":
        return draw(deep)
    if kind == "dotted":
        return draw(dotted)
    if kind == "garbage":
        return draw(garbage)
    if kind == "inherit":
        target = draw(st.one_of(text_values, st.just("/dev/zero"), st.just("missing.toml")))
        return f"inherit = {toml_literal(target)}\n"
    key = draw(keys)
    literal = toml_literal(draw(values))
    if kind == "table":
        table, _, leaf = key.rpartition(".")
        head = f"[{table}]\n" if table else ""
        return f'inherit = "{BASELINE}"\n{head}{leaf} = {literal}\n'
    return f'inherit = "{BASELINE}"\n"{key}" = {literal}\n'


SPEC_HEAD = '[sweep]\nscenario = "toy.toml"\nmodel = "abm.sweep.toy"\n'
spec_fields = st.sampled_from(
    [
        "sweep.timeout",
        "sweep.replications",
        "sweep.seed",
        "sweep.steps",
        "sweep.model",
        "sweep.scenario",
        "sweep.name",
        "design.method",
        "design.samples",
        "design.levels",
        "design.second_order",
        "parameters.params.growth",
        "parameters.centers.site",
        "parameters.population.firms",
        "parameters.scenario",
        "parameters.regions.x",
        "metrics.final",
        "metrics.regions",
        "nope.x",
    ]
)
spec_values = st.one_of(
    values,
    st.sampled_from(
        [
            "inf",
            "1e300",
            "10**12",
            "1000000000000",
            '"lhs"',
            '"sobol"',
            '"morris"',
            "{ low = 0.1, high = 0.9 }",
            "{ low = 1, high = 1000000000, num = 999999999 }",
            "{}",
            '["daegu", "gwangju"]',
            '"os"',
            '"/dev/zero"',
            '"x.toml"',
            "10000000",
        ]
    ),
)


@st.composite
def spec_files(draw) -> str:
    lines: dict[str, list[str]] = {"sweep": [], "design": [], "parameters": [], "metrics": []}
    for _ in range(draw(st.integers(1, 4))):
        field = draw(spec_fields)
        section, _, key = field.partition(".")
        value = draw(spec_values)
        literal = (
            value
            if isinstance(value, str) and value[:1] in '"{[0123456789i'
            else (toml_literal(value))
        )
        lines.setdefault(section, []).append(f'"{key}" = {literal}')
    kind = draw(st.sampled_from(["fields", "fields", "fields", "deep", "garbage"]))
    if kind == "deep":
        return draw(deep)
    if kind == "garbage":
        return draw(garbage)
    body = SPEC_HEAD + "\n".join(lines.pop("sweep")) + "\n"
    for section, entries in lines.items():
        if entries:
            body += f"[{section}]\n" + "\n".join(entries) + "\n"
    return body


flag_words = st.sampled_from(
    [
        "--seed",
        "--steps",
        "--set",
        "--out",
        "--overwrite",
        "--workers",
        "--engine",
        "--scheduler",
        "--resume",
        "--retry-failed",
        "--dashboard",
        "--seeds",
        "--report",
        "--root",
        "-1",
        "0",
        "1",
        "2",
        "x",
        "1e9",
        str(2**64),
        "9" * 5000,
        "a\0b",
        "",
        "population.firms=0",
        "population.firms=-1",
        "regions.deagu.lat=35",
        "scenario.name=../../escaped",
        "scenario.steps=2",
        "x=[[[[",
        "=",
        "/proc/x",
        "/dev/zero",
        "dask",
        "local",
    ]
)
commands = st.sampled_from(["run", "compare", "validate", "scenarios", "sweep", "analyze"])

# ------------------------------------------------------------------ the contract


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    def alarm(signum, frame):
        raise Hang(f"no answer in {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        with (
            time_limit(CASE_SECONDS),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = main(argv)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


def check_contract(code: int, out: str, err: str) -> None:
    assert "Traceback" not in err + out, err
    assert "internal error" not in err, err
    assert code in (0, 2), (code, err)
    if code == 2:
        lines = [line for line in err.splitlines() if line]
        assert all(line.startswith("abm: error:") for line in lines), err
        assert lines or out, "exit 2 with nothing said"
        assert all(len(line) < 4000 for line in lines), "a message should be a line"


@pytest.fixture
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fuzz")
    (path / "toy.toml").write_text('name = "toy-fuzz"\nsteps = 2\n')
    return path


@FUZZ
@given(text=scenario_files(), command=st.sampled_from(["validate", "run"]))
def test_fuzz_scenario_files(folder, text, command):
    path = folder / "s.toml"
    path.write_text(text, encoding="utf-8")
    argv = [command, str(path)]
    if command == "run":  # small and short: the contract, not the model, is under test
        argv += [
            "--steps",
            "1",
            "--set",
            "population.firms=20",
            "--out",
            str(folder / "o"),
            "--overwrite",
        ]
    check_contract(*run_cli(argv, folder))


@FUZZ
@given(text=spec_files())
def test_fuzz_sweep_specs(folder, text):
    path = folder / "spec.toml"
    path.write_text(text, encoding="utf-8")
    out = folder / "sweep-out"
    code, stdout, err = run_cli(["sweep", str(path), "--out", str(out), "--workers", "1"], folder)
    check_contract(code, stdout, err)
    if out.exists():  # leave no sweep for the next case to refuse
        import shutil

        shutil.rmtree(out)


@FUZZ
@given(command=commands, words=st.lists(flag_words, max_size=6))
def test_fuzz_flags(folder, command, words):
    target = {
        "run": [BASELINE],
        "compare": [BASELINE],
        "validate": [BASELINE],
        "sweep": [str(folder / "spec.toml")],
        "analyze": [str(folder)],
        "scenarios": [],
    }[command]
    (folder / "spec.toml").write_text(SPEC_HEAD)
    argv = [command, *target, *words]
    if command in ("run", "compare") and "--steps" not in words:
        argv += ["--steps", "1"]
    if command in ("run", "compare"):
        argv += ["--set", "population.firms=20"]
    if command == "run" and "--out" not in words:
        argv += ["--out", str(folder / "flags-out"), "--overwrite"]
    if command == "sweep" and "--engine" in words:
        return  # starting Dask clusters is tested elsewhere; it would dominate the time
    code, out, err = run_cli(argv, folder)
    check_contract(code, out, err)
