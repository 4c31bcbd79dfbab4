"""The pages' templates live in their features' folders (``web/<feature>/templates``) and are found by their names."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.core.pages import STATIC, TEMPLATES, WEB_ROOT, template_folders


def test_base_and_error_are_in_core_and_each_page_in_its_feature() -> None:
    found = {
        name: Path(TEMPLATES.env.get_template(name).filename or "").parent for name in TEMPLATES.env.list_templates()
    }
    assert found["base.html"] == WEB_ROOT / "core" / "templates"
    assert found["error.html"] == WEB_ROOT / "core" / "templates"
    assert found["case.html"] == WEB_ROOT / "cases" / "templates"
    assert found["login.html"] == WEB_ROOT / "auth" / "templates"
    assert {folder.parent.name for folder in found.values()} >= {"core", "auth", "tasks", "cases", "audit", "reports"}


def test_a_template_name_in_two_folders_is_refused(tmp_path: Path) -> None:
    for feature in ("core", "cases", "audit"):
        (tmp_path / feature / "templates").mkdir(parents=True)
    (tmp_path / "cases" / "templates" / "list.html").write_text("cases")
    (tmp_path / "audit" / "templates" / "list.html").write_text("audit")
    with pytest.raises(RuntimeError, match=r"list\.html"):
        template_folders(tmp_path)


def test_core_templates_come_first_then_the_features_in_name_order(tmp_path: Path) -> None:
    for feature in ("tasks", "core", "auth"):
        (tmp_path / feature / "templates").mkdir(parents=True)
    names = [folder.parent.name for folder in template_folders(tmp_path)]
    assert names == ["core", "auth", "tasks"]


def test_the_stylesheet_and_the_pipeline_script_are_served_from_core() -> None:
    assert {p.name for p in STATIC.iterdir()} >= {"yorisoi.css", "pipeline.js"}
