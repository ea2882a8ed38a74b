"""From the first content format (one fixed file per chapter of the 素案) to the document
tree (``plan.yaml`` with ``parts:``, sections and blocks).

The same code migrated the plan's content once and converts, on the fly, any revision
still in the first format, so that ``build.py diff`` compares it with today's content
(``shinkyu/revisions.py``). Nothing of the plan's text is changed on the way: each fixed field
becomes the block that prints it as before, and every section gets an id so that the
新旧対照表 matches it across revisions.

``python -m keikaku.migrate OLD_DIR NEW_DIR`` writes the converted folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

from . import files
from .errors import BuildError
from .sources import parse_yaml, read_text


def is_old_format(content: Path) -> bool:
    """A content folder in the first format: chapter files, and no ``parts:`` in plan.yaml."""
    if not (content / "chapter1.yaml").is_file() or not (content / "plan.yaml").is_file():
        return False
    data = _load(content / "plan.yaml", content)
    return isinstance(data, dict) and "parts" not in data


def _load(path: Path, root: Path) -> Any:
    """A YAML file of an old revision, read like any content file (no anchors, aliases or
    tags, size and depth limits); ``None`` if it cannot be read (shinkyu/revisions.py reports why
    before converting)."""
    try:
        return _plain(parse_yaml(read_text(path, path.name, root=root), path.name))
    except BuildError:
        return None


def _plain(value: Any) -> Any:
    """Parsed YAML as plain dicts, lists and scalars, as the YAML writer takes them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def _m(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list:
    return value if isinstance(value, list) else []


def _zen(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))


def _points(points: Any, marker: str | None = None) -> list[dict]:
    items = _l(points)
    if not items:
        return []
    block: dict[str, Any] = {"list": items}
    if marker:
        block["marker"] = marker
    return [block]


def _paragraphs(lead: Any) -> list[dict]:
    return [{"p": text} for text in _l(lead)]


def _body_of(value: Any) -> list[dict]:
    """A prose-or-pending field: a Markdown file, or a pending block."""
    if isinstance(value, dict) and "pending" in value:
        return [{"pending": value["pending"]}]
    if isinstance(value, str):
        return [{"prose": value}]
    return []


def _section(title: Any, sid: Any, body: list[dict], **options: Any) -> dict:
    out: dict[str, Any] = {"section": title, "id": sid}
    out.update({k: v for k, v in options.items() if v is not None})
    out["body"] = body
    return out


def chapter1(data: dict) -> dict:
    body: list[dict] = []
    if data.get("intro"):
        body.append({"prose": data["intro"]})
    body.append(
        _section(
            data.get("changes_title"),
            "ch1-changes",
            [
                _section(c.get("title"), c.get("id"), _points(c.get("points")))
                for c in map(_m, _l(data.get("changes")))
            ],
        )
    )
    body.append(
        _section(
            data.get("current_goals_title"),
            "ch1-current-goals",
            [
                {
                    "list": [g.get("title") for g in map(_m, _l(data.get("current_goals")))],
                    "marker": "（１）",
                }
            ],
        )
    )
    return _section(data.get("title"), "ch1", body)


def chapter2(data: dict) -> dict:
    soc, mgmt, outlook = (
        _m(data.get("society")),
        _m(data.get("management")),
        _m(data.get("outlook")),
    )
    challenges = [_m(c) for c in _l(soc.get("challenges"))]
    number = {c.get("id"): i for i, c in enumerate(challenges, 1)}
    visions: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    for v in map(_m, _l(soc.get("visions"))):
        body = [{"p": v["note"]}] if v.get("note") else []
        related = [c for c in _l(v.get("challenges")) if c in number]
        if related:
            body.append(
                {
                    "p": "、".join(f"（{_zen(number[c])}）" for c in related),
                    "label": "【対応する課題】",
                    "indent": False,
                }
            )
            links.extend({"challenge": c, "vision": v.get("id")} for c in related)
        vision: dict[str, Any] = {
            "vision": v.get("title"),
            "id": v.get("id"),
            "goal": v.get("goal"),
        }
        if v.get("theme_examples"):
            vision["theme_examples"] = v["theme_examples"]
        if body:
            vision["body"] = body
        visions.append(vision)
    outlines = []
    for o in map(_m, _l(soc.get("goals"))):
        outline: dict[str, Any] = {"goal_outline": o.get("goal")}
        if o.get("note"):
            outline["body"] = [{"p": o["note"]}]
        outlines.append(outline)
    caption = (
        f"{soc.get('challenges_title')}・{soc.get('visions_title')}・{soc.get('goals_title')}の関係"
    )
    diagram: dict[str, Any] = {"diagram": "society", "caption": caption}
    if links:
        diagram["links"] = links
    society = _section(
        soc.get("title"),
        "ch2-society",
        [
            *_paragraphs(soc.get("lead")),
            _section(
                soc.get("challenges_title"),
                "ch2-challenges",
                [
                    {
                        "challenge": c.get("title"),
                        "id": c.get("id"),
                        "body": _points(c.get("points")),
                    }
                    for c in challenges
                ],
            ),
            _section(soc.get("visions_title"), "ch2-visions", visions),
            _section(soc.get("goals_title"), "ch2-goals", outlines),
            diagram,
            {"generated": "vision-examples", "caption": soc.get("theme_examples_title")},
        ],
    )

    def kana_sections(items: Any, field: str) -> list[dict]:
        return [
            _section(i.get("title"), i.get("id"), _points(i.get(field))) for i in map(_m, _l(items))
        ]

    pillars = []
    for p in map(_m, _l(mgmt.get("pillars"))):
        body = _points(p.get("points"), "○")
        if p.get("examples"):
            body.append({"p": p["examples"], "label": "例：", "indent": False})
        pillars.append(_section(p.get("title"), p.get("id"), body))
    policy_body: list[dict] = []
    if mgmt.get("policy_subtitle"):
        policy_body.append({"p": f"－{mgmt['policy_subtitle']}－", "align": "center"})
    policy_body.append(
        {
            "diagram": "pillars",
            "caption": f"{mgmt.get('policy_title')}の{_zen(len(pillars))}つの柱とスパイラルアップの仕組み",
            "base": "ch2-spiral",
        }
    )
    policy_body.extend(pillars)
    management = _section(
        mgmt.get("title"),
        "ch2-management",
        [
            *_paragraphs(mgmt.get("lead")),
            _section(
                mgmt.get("current_title"),
                "ch2-current",
                [
                    {"p": mgmt.get("current_lead")},
                    _section(
                        mgmt.get("soryoku_title"),
                        "ch2-soryoku",
                        [
                            {"p": mgmt.get("soryoku_lead")},
                            *kana_sections(mgmt.get("soryoku"), "points"),
                        ],
                    ),
                    _section(mgmt.get("keiei_title"), "ch2-keiei", [{"p": mgmt.get("keiei_lead")}]),
                    _section(
                        mgmt.get("stock_effects_title"),
                        "ch2-stock-effects",
                        kana_sections(mgmt.get("stock_effects"), "examples"),
                    ),
                ],
            ),
            _section(mgmt.get("policy_title"), "ch2-policy", policy_body),
            _section(
                mgmt.get("spiral_title"), "ch2-spiral", _points(mgmt.get("spiral_points"), "○")
            ),
        ],
    )
    outlook_section = _section(outlook.get("title"), "ch2-outlook", _body_of(outlook.get("body")))
    return _section(data.get("title"), "ch2", [society, management, outlook_section])


def goal(data: dict) -> dict:
    groups = []
    for g in map(_m, _l(data.get("groups"))):
        body: list[dict] = []
        pending = _m(g.get("measures_pending"))
        if "pending" in pending:
            body.append({"pending": pending["pending"], "label": "※", "what": "重点施策の未定事項"})
        for p in map(_m, _l(g.get("packages"))):
            parts: list[dict] = [{"part": "directions", "body": _points(p.get("directions"), "■")}]
            if p.get("measures"):
                parts.append({"part": "measures", "body": _points(p.get("measures"))})
            parts.append({"kpis": p.get("kpis")})
            body.append({"package": p.get("title"), "id": p.get("id"), "parts": parts})
        groups.append({"group": g.get("vision"), "body": body})
    return {"goal": data.get("title"), "id": data.get("id"), "body": groups}


def chapter3(data: dict) -> dict:
    body = _paragraphs(data.get("lead"))
    body.extend({"include": rel} for rel in _l(data.get("goal_files")))
    return _section(data.get("title"), "ch3", body, toc_depth=3)


def chapter4(data: dict) -> dict:
    body = _paragraphs(data.get("lead"))
    body.extend(
        _section(m.get("title"), m.get("id"), _body_of(m.get("body")))
        for m in map(_m, _l(data.get("measures")))
    )
    return _section(data.get("title"), "ch4", body, child_numbering="item")


def deliberations(data: dict) -> dict:
    def agenda(items: Any) -> list[Any]:
        out: list[Any] = []
        for it in map(_m, _l(items)):
            body = _points(it.get("points"))
            if it.get("items"):
                body.append({"list": agenda(it.get("items")), "marker": "○"})
            out.append({"item": it.get("title"), "body": body} if body else it.get("title"))
        return out

    meetings = [
        _section(
            m.get("title"),
            m.get("id"),
            [{"list": agenda(m.get("items")), "marker": "○"}],
            title_note=f"（{m.get('date')}）",
        )
        for m in map(_m, _l(data.get("meetings")))
    ]
    return _section(
        data.get("title"),
        "deliberations",
        [*_paragraphs(data.get("lead")), *meetings],
        numbering="annex",
        child_numbering="item",
        toc_depth=0,
    )


def plan(data: dict) -> dict:
    out = {k: v for k, v in data.items()}
    out["parts"] = [
        {"generated": "cover"},
        {"generated": "toc"},
        {"include": "chapter1.yaml"},
        {"include": "chapter2.yaml"},
        {"include": "chapter3.yaml"},
        {"include": "chapter4.yaml"},
        _section(
            "政策パッケージ一覧",
            "packages-list",
            [{"generated": "package-list"}],
            numbering="annex",
        ),
        _section("ＫＰＩ一覧", "kpi-list", [{"generated": "kpi-list"}], numbering="annex"),
        {"include": "deliberations.yaml"},
        _section(
            "未定事項一覧",
            "pending-list",
            [{"generated": "pending-list"}],
            numbering="annex",
            draft_only=True,
        ),
    ]
    return out


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, as editors write YAML by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def dump(data: Any, header: str = "", rel: str = "") -> str:
    """YAML text of a converted file: the JSON Schema modeline (for editors' YAML tools),
    a comment, then the data."""
    from .content_schema import modeline

    text = yaml.dump(
        data,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=10**6,
        default_flow_style=False,
    )
    return (modeline(rel) + "\n" if rel else "") + header + text


#: Comments at the top of each converted file, for the editors who open it.
_HEADERS = {
    "plan.yaml": "# 表紙と文書情報、見出しの語、計画の部の並び（parts）。\n"
    "# parts に並べた順に計画が組まれます。章や参考を加える・除く・並べ替えるのはここです。\n",
    "chapter1.yaml": "# 第１章\n",
    "chapter2.yaml": "# 第２章\n",
    "chapter3.yaml": "# 第３章。重点目標ごとのファイルを include で計画の順に並べます。\n",
    "chapter4.yaml": "# 第４章\n",
    "deliberations.yaml": "# 参考 審議の経過\n",
}


def convert(old: Path) -> dict[str, str]:
    """The converted folder's YAML files, by path relative to it."""
    files: dict[str, str] = {}
    builders = {
        "chapter1.yaml": chapter1,
        "chapter2.yaml": chapter2,
        "chapter3.yaml": chapter3,
        "chapter4.yaml": chapter4,
        "deliberations.yaml": deliberations,
    }
    for name, make in builders.items():
        files[name] = dump(make(_m(_load(old / name, old))), _HEADERS.get(name, ""), name)
    for rel in _l(_m(_load(old / "chapter3.yaml", old)).get("goal_files")):
        if isinstance(rel, str) and (old / rel).is_file():
            data = _m(_load(old / rel, old))
            files[rel] = dump(goal(data), f"# 重点目標：{data.get('title')}\n", rel)
    files["plan.yaml"] = dump(
        plan(_m(_load(old / "plan.yaml", old))), _HEADERS["plan.yaml"], "plan.yaml"
    )
    return files


def migrate(old: Path, new: Path) -> list[Path]:
    """Write ``old`` (first format) converted into ``new``; other files are copied as they are."""
    converted = convert(old)
    written = []
    for entry in sorted(files.walk(old), key=lambda e: e.rel.split("/")):
        path, rel = entry.path, entry.rel
        target = new / rel
        if not entry.is_file() or rel in converted:  # folders are made as needed; no links
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel in ("footnotes.yaml", "lint.yaml"):
            from .content_schema import modeline

            target.write_bytes(modeline(rel).encode("utf-8") + b"\n" + path.read_bytes())
        else:
            shutil.copyfile(path, target)
        written.append(target)
    for rel, text in converted.items():
        target = new / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m keikaku.migrate OLD_CONTENT_DIR NEW_CONTENT_DIR")
    for p in migrate(Path(sys.argv[1]), Path(sys.argv[2])):
        print(p)
