"""Helpers for writing small config files into a temporary folder."""
import textwrap

import pytest


@pytest.fixture
def write(tmp_path):
    """write('name.py', text) -> absolute path of the new file (text is dedented)."""
    def _write(name, text):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip('\n'), encoding='utf-8')
        return str(path)
    return _write
