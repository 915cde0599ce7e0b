"""The README's commands are the ones CI runs and the ones that exist."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci_command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert ci_command == "python3 -m pip install nox uv && python3 -m nox"
    assert f"```bash\n{ci_command}\n```" in readme


def test_readme_serve_command_names_the_chat_example() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "portable-endpoints serve examples/chat.py --host 127.0.0.1 --port 8000" in readme
    assert (ROOT / "examples" / "chat.py").is_file()
