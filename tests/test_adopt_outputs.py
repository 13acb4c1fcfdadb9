"""adopt never loses a file: no overwrite without --force, one file per output, every output checked first,
each written atomically (output_files). Against moto, with the files before and after compared exactly.
"""

from __future__ import annotations

import os
import signal
import stat
from pathlib import Path
from typing import Any

import pytest
from moto_server import REGION, Moto
from security_group_tools import adopt, output_files
from security_group_tools.output_files import Output, OutputError, write_all

KEEP = "what the user wrote\n"
REPLACE = "pass --force to replace it, or choose another path"


@pytest.fixture
def group(ec2: Any) -> str:
    """One group with one described rule and no outbound: adopt reproduces it without a note."""
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group_id: str = ec2.create_security_group(GroupName="web", Description="Web servers", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "HTTPS from the VPC"}],
            }
        ],
    )
    ec2.revoke_security_group_egress(
        GroupId=group_id, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    return group_id


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A directory of its own for the outputs (the moto fixtures keep their files in tmp_path)."""
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


def run(moto: Moto, group: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = adopt.main(["--region", REGION, "--endpoint-url", moto.url, "--group-id", group, *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def files(directory: Path) -> dict[str, str]:
    """Every file under the directory (temporary files included) with its text; symlinks as `-> target`."""
    found = {}
    for path in sorted(directory.rglob("*")):
        name = str(path.relative_to(directory))
        if path.is_symlink():
            found[name] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[name] = path.read_text()
    return found


def refused(*problems: str) -> str:
    return "".join(f"error: {problem}\n" for problem in problems) + "error: nothing was written\n"


def test_an_existing_import_file_is_kept_without_force(
    moto: Moto, group: str, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = out / "Pulumi.prod.yaml"
    target.write_text(KEEP)
    assert run(moto, group, capsys, "--import-file", str(target)) == (
        2,
        "",
        refused(f"--import-file {target}: already exists; {REPLACE}"),
    )
    assert files(out) == {"Pulumi.prod.yaml": KEEP}


def test_force_replaces_an_existing_file_and_keeps_its_permissions(
    moto: Moto, group: str, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = out / "import.json"
    target.write_text(KEEP)
    target.chmod(0o640)
    status, stdout, _ = run(moto, group, capsys, "--import-file", str(target), "--force")
    assert status == 0
    assert stdout.startswith("# adopted from us-east-1")
    assert f'"id": "{group}"' in target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert list(files(out)) == ["import.json"]  # no temporary file left


def test_a_new_file_gets_the_mode_open_would_give_it(
    moto: Moto, group: str, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not mkstemp's 0600: what `open()` gives a new file under the umask."""
    umask = os.umask(0o027)
    try:
        assert run(moto, group, capsys, "--import-file", str(out / "import.json"))[0] == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE((out / "import.json").stat().st_mode) == 0o640


@pytest.mark.parametrize(
    "spelling",
    ["same", "dot-dot", "symlink", "hard-link"],
)
def test_the_same_file_for_both_outputs_is_refused(
    spelling: str, moto: Moto, group: str, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """However the two paths are spelt; before, --output silently replaced the import file."""
    (out / "sub").mkdir()
    first = out / "out.json"
    second = {
        "same": first,
        "dot-dot": out / "sub" / ".." / "out.json",
        "symlink": out / "link.json",
        "hard-link": out / "hard.json",
    }[spelling]
    force: tuple[str, ...] = ()
    if spelling == "symlink":
        second.symlink_to(first)
    elif spelling == "hard-link":
        first.write_text(KEEP)
        os.link(first, second)
        force = ("--force",)
    before = files(out)
    status, stdout, err = run(moto, group, capsys, "--import-file", str(first), "--output", str(second), *force)
    assert (status, stdout) == (2, "")
    assert err == refused(
        f"--output {second}: the same file as --import-file {first} ({second.resolve()}); give each its own path"
    )
    assert files(out) == before


@pytest.mark.parametrize("case", ["missing-directory", "file-as-directory", "directory", "device", "existing"])
def test_a_bad_output_leaves_the_import_file_unwritten(
    case: str, moto: Moto, group: str, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every output is checked before any is written: the import file is not written when --output cannot be."""
    (out / "a-file").write_text(KEEP)
    (out / "a-directory").mkdir()
    (out / "adopted.yaml").write_text(KEEP)
    output, problem = {
        "missing-directory": (
            out / "nowhere" / "adopted.yaml",
            f"the directory {out / 'nowhere'} does not exist; create it first",
        ),
        "file-as-directory": (out / "a-file" / "adopted.yaml", f"{out / 'a-file'} is not a directory"),
        "directory": (out / "a-directory", "is a directory; name a file inside it"),
        "device": (Path(os.devnull), "exists and is not a regular file; choose another path"),
        "existing": (out / "adopted.yaml", f"already exists; {REPLACE}"),
    }[case]
    before = files(out)
    force = ("--force",) if case == "device" else ()  # not even --force replaces a device
    result = run(moto, group, capsys, "--import-file", str(out / "import.json"), "--output", str(output), *force)
    assert result == (2, "", refused(f"--output {output}: {problem}"))
    assert files(out) == before


def test_every_problem_is_reported_at_once(
    moto: Moto, group: str, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (out / "import.json").write_text(KEEP)
    output = out / "nowhere" / "adopted.yaml"
    assert run(moto, group, capsys, "--import-file", str(out / "import.json"), "--output", str(output)) == (
        2,
        "",
        refused(
            f"--import-file {out / 'import.json'}: already exists; {REPLACE}",
            f"--output {output}: the directory {out / 'nowhere'} does not exist; create it first",
        ),
    )


def test_a_symlinked_output_keeps_its_link_and_replaces_its_target(
    moto: Moto, group: str, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (out / "real.json").write_text(KEEP)
    (out / "import.json").symlink_to("real.json")
    assert run(moto, group, capsys, "--import-file", str(out / "import.json"), "--force")[0] == 0
    assert os.readlink(out / "import.json") == "real.json"
    assert f'"id": "{group}"' in (out / "real.json").read_text()
    assert sorted(files(out)) == ["import.json", "real.json"]


# --- write_all on its own: failures while writing, and a signal during the renames -----------------------------


def outputs(directory: Path) -> list[Output]:
    return [Output("--import-file", directory / "import.json", "{}\n"), Output("--output", directory / "a.yaml", "a\n")]


def test_a_failing_rename_undoes_the_files_it_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace = os.replace
    calls: list[str] = []

    def replace_then_fail(source: Any, target: Any) -> None:
        calls.append(str(target))
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(target))
        real_replace(source, target)

    monkeypatch.setattr(output_files.os, "replace", replace_then_fail)
    with pytest.raises(OutputError) as error:
        write_all(outputs(tmp_path), force=False)
    assert str(error.value) == (
        f"--output {tmp_path / 'a.yaml'}: cannot write (No space left on device)\nnothing was written"
    )
    assert files(tmp_path) == {}  # the first file renamed into place is removed again, and no temporary file is left


def test_a_failing_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output_files.os, "fsync", no_space)
    (tmp_path / "a.yaml").write_text(KEEP)
    with pytest.raises(OutputError, match="No space left on device"):
        write_all(outputs(tmp_path), force=True)
    assert files(tmp_path) == {"a.yaml": KEEP}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_renames_waits_until_every_file_is_in_place(
    signum: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never one output new and the other missing: the signal is held back and handed to the caller."""
    real_replace = os.replace

    def replace_after_a_signal(source: Any, target: Any) -> None:
        os.kill(os.getpid(), signum)  # the handler runs right here, between two renames
        real_replace(source, target)

    monkeypatch.setattr(output_files.os, "replace", replace_after_a_signal)
    assert write_all(outputs(tmp_path), force=False) == signum
    assert files(tmp_path) == {"a.yaml": "a\n", "import.json": "{}\n"}


def test_adopt_reports_a_ctrl_c_that_came_while_its_files_were_renamed(
    moto: Moto, group: str, out: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The renames finish first; then adopt stops with 130 and says the files are there."""
    real_replace = os.replace

    def replace_after_ctrl_c(source: Any, target: Any) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        real_replace(source, target)

    monkeypatch.setattr(output_files.os, "replace", replace_after_ctrl_c)
    imports, config = out / "import.json", out / "adopted.yaml"
    status, stdout, err = run(moto, group, capsys, "--import-file", str(imports), "--output", str(config))
    assert (status, stdout, err) == (130, "", f"adopt: interrupted; {imports} and {config} had already been written\n")
    assert sorted(files(out)) == ["adopted.yaml", "import.json"]
