"""Command line: ``python build.py [build|check] [--final] [--content DIR] [--out DIR]``,
``python build.py all`` (the plan and every edition, in parallel: ``family.py``) and
``python build.py diff OLD [NEW]`` (the 新旧対照表 of two git revisions).

The pipeline itself is ``pipeline.py``. ``main`` catches ``BuildError`` once, prints one
line per problem and returns 1; an error of the operating system (a read-only or full
disk, a path that is a file) is one line too, naming the path and what to do, and
returns 1. No traceback reaches an editor.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from . import files
from .errors import BuildError
from .paths import PROJECT_ROOT
from .pipeline import NEW_LABEL, OLD_LABEL, Progress, build, check, diff, validate

__all__ = ["Progress", "build", "check", "diff", "main", "validate"]

#: Errors binding the preview's port (no file involved).
_PORT_ERRORS = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES, errno.EPERM)


#: The commands, in Japanese with English beside, as `build.py --help` lists them.
COMMANDS = """\
コマンド (commands):
  build            PDF・HTML・データを作る（既定）
                   write plan.pdf, plan.html, plan.json and kpi.csv (default)
  all              全国計画（本文と概要）と content/editions/ のすべての地方ブロック版を、
                   文書ごとに一つのプロセスで並行して作る（コアの数だけ同時に）。
                   文書ごとに結果を一行で示す。一つが失敗しても、ほかの文書はできる
                   build the plan (with its overview) and every regional edition in
                   parallel, one process per document; one line per document
  check            書き方と公用文の表記だけを確かめる（PDF は作らない）。
                   正式版までに残っているものを種類ごとに数える
                   validate and lint the content only; count what blocks the final edition
  diff OLD [NEW]   新旧対照表（shinkyu.pdf）を作る。OLD・NEW は git の版（例: HEAD~1）。
                   NEW を省くと作業中の内容
                   write the 新旧対照表 of two git revisions (NEW: the working tree)
  watch            保存のたびに作り直し、ブラウザで表示する（127.0.0.1）
                   rebuild on every change and serve a live preview
  kpi export       ＫＰＩの表計算ファイル output/kpi.xlsx を書き出す
                   write the KPI spreadsheet
  kpi import FILE  表計算ファイル（.xlsx または .csv）のＫＰＩの値を内容ファイルに書き戻す
                   write the KPI values of a spreadsheet back into the content files
  followup         年次フォローアップの報告 output/followup.pdf（と .html・.docx）を作る。
                   ＫＰＩの実績値から進捗率と状況（達成・順調・遅れ・未設定）を示す
                   write the yearly follow-up report of the KPI actual values
  comments FILE…   意見照会で返ってきた plan.docx の写し（変更履歴・コメント）から
                   意見対応表 output/iken.xlsx と iken.pdf を作る
                   write the 意見対応表 from reviewed copies of plan.docx

例 (examples):
  python build.py                 素案の PDF を作る
  python build.py all             全国計画と、すべての地方ブロック版を作る
  python build.py check --final   正式版を妨げているものを一覧する
  python build.py diff HEAD~1     一つ前の版との新旧対照表
  python build.py diff v1 --title "第53回計画部会 資料２" --new-label 改正案 --old-label 現行
  python build.py diff HEAD~1 --edition kanto   地方ブロック版 kanto の新旧対照表
  python build.py kpi import 回答.xlsx
  python build.py followup --year 令和９年度
  python build.py --content examples/followup/content --out examples/followup/output followup
  python build.py --content examples/regional/content --out examples/regional/output --edition kanto
  python build.py --content examples/regional/content --out examples/regional/output all
"""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's layout, with the usage line introduced in Japanese too."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(
            usage, actions, groups, prefix="使い方 (usage): " if prefix is None else prefix
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=None,
        description="内容ファイル（content/）から社会資本整備重点計画の PDF と HTML を作ります。"
        " (Builds the plan's PDF and HTML from the content files.)",
        epilog=COMMANDS,
        formatter_class=_HelpFormatter,
        add_help=False,
    )
    parser._positionals.title = "引数 (arguments)"
    parser._optionals.title = "オプション (options)"
    parser.add_argument(
        "-h", "--help", action="help", help="この説明を表示して終わる (show this help and exit)"
    )
    parser.add_argument(
        "command",
        nargs="?",
        choices=["build", "all", "check", "diff", "watch", "kpi", "comments", "followup"],
        default="build",
        metavar="COMMAND",
        help="build・all・check・diff・watch・kpi・comments・followup（下の「コマンド」を参照）"
        " (see commands below)",
    )
    parser.add_argument(
        "revisions",
        nargs="*",
        metavar="ARG",
        help="diff: 改正前 OLD と改正後 NEW の版 / kpi: export または import FILE"
        " (diff: OLD [NEW] revisions; kpi: export | import FILE)",
    )
    parser.add_argument(
        "--content",
        type=Path,
        default=PROJECT_ROOT / "content",
        help="内容のフォルダ（既定: content/） (content directory)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="作ったものを置くフォルダ（既定: output/。--edition NAME では output/editions/NAME/、"
        "all では版ごとに OUT/editions/NAME/） (output directory)",
    )
    parser.add_argument(
        "--edition",
        metavar="NAME",
        default=None,
        help="build: 内容のフォルダの editions/NAME/ にある地方ブロック版を作る。"
        "diff: その版の新旧対照表を作る (build, or compare, the regional edition NAME)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="何も変わっていなくても作り直す (build even if nothing changed)",
    )
    parser.add_argument(
        "--final",
        action="store_true",
        help="正式版: 未定事項や表記の問題が残っていれば作らない。素案の表示なし"
        " (the formal edition: refused while anything is pending or flagged)",
    )
    parser.add_argument(
        "--no-docx",
        action="store_true",
        help="Word 版（plan.docx）を作らない (leave out the Word edition)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8000,
        help="watch: 表示に使うポート（既定 8000、0 なら空いているもの）"
        " (the preview's port; 0 picks a free one)",
    )
    parser.add_argument(
        "--open",
        action="store_true",
        help="watch: 表示をブラウザで開く (open the preview in the browser)",
    )
    parser.add_argument(
        "--plan-docx",
        type=Path,
        default=None,
        help="comments: 意見照会に送った plan.docx（写しが位置の情報を失っていたときに使う）"
        " (the plan.docx that was sent out)",
    )
    parser.add_argument(
        "--year",
        metavar="令和N年度",
        default=None,
        help="followup: この年度までの実績値で報告する（既定: すべての実績値）"
        " (report the actual values up to this fiscal year)",
    )
    diff = parser.add_argument_group("diff のオプション (diff options)")
    diff.add_argument(
        "--order",
        choices=["new-old", "old-new"],
        default="new-old",
        help="列の順: new-old（改正後｜改正前、既定）または old-new (column order of the table)",
    )
    diff.add_argument(
        "--show-width-changes",
        action="store_true",
        help="全角・半角だけの違い（ＤＸ → DX）も改正として示す (mark width-only changes)",
    )
    diff.add_argument(
        "--title",
        metavar="TEXT",
        help='表題（既定: 計画の題名と段階。例: "第53回計画部会 資料２"）。'
        "「新旧対照表」を含まなければ後に付く (the title line)",
    )
    diff.add_argument(
        "--new-label",
        metavar="TEXT",
        default=NEW_LABEL,
        help="改正後の列の見出し（既定: 改正後。例: 改正案） (the revised column's head)",
    )
    diff.add_argument(
        "--old-label",
        metavar="TEXT",
        default=OLD_LABEL,
        help="改正前の列の見出し（既定: 改正前。例: 現行） (the former column's head)",
    )
    diff.add_argument(
        "--with-lists",
        action="store_true",
        help="生成される一覧（目次・政策パッケージ一覧・ＫＰＩ一覧・未定事項一覧）の変更も表に載せる"
        "（既定では載せない。本文の変更は各見出しの行に載る） (also list changes in the generated lists)",
    )
    diff.add_argument(
        "--show-revisions",
        action="store_true",
        help="比べた版の git の名前・コミット・日付を表の上に示す（既定では示さない）"
        " (print the revisions' names, commits and dates)",
    )
    return parser


def _kpi(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """``kpi export`` and ``kpi import FILE``: the KPI spreadsheet (keikaku/kpi_sheet/)."""
    from .kpi_sheet import export_kpis, import_kpis
    from .load import load_plan

    action = args.revisions[0] if args.revisions else ""
    if action == "export" and len(args.revisions) == 1:
        args.out.mkdir(parents=True, exist_ok=True)
        written = export_kpis(load_plan(args.content), args.content, args.out / "kpi.xlsx")
        print(f"wrote {written}（ＫＰＩの表計算ファイル。値を書き入れて kpi import で戻せます）")
        return
    if action == "import" and len(args.revisions) == 2:
        result = import_kpis(args.content, Path(args.revisions[1]))
        for line in result.changes:
            print(line)
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(result.summary())
        return
    parser.error(
        "kpi には export か、import と表計算ファイルの名前を続けてください"
        "（例: kpi export、kpi import 回答.xlsx）。 (kpi export | kpi import FILE)"
    )


#: The last line of a refusal, by command: (English, Japanese).
_FAILED = {
    "build": ("build failed", "PDF を作成できませんでした"),
    "all": ("all failed", "文書を作成できませんでした"),
    "check": ("check failed", "点検で問題が見つかりました"),
    "diff": ("diff failed", "新旧対照表を作成できませんでした"),
    "followup": ("followup failed", "フォローアップの報告を作成できませんでした"),
    "comments": ("comments failed", "意見対応表を作成できませんでした"),
    "kpi export": ("kpi export failed", "ＫＰＩの表計算ファイルを作成できませんでした"),
    "kpi import": ("kpi import failed", "ＫＰＩの表計算ファイルを取り込めませんでした"),
}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "diff" and not 1 <= len(args.revisions) <= 2:
        parser.error(
            "diff には改正前の版 OLD と、必要なら改正後の版 NEW を指定してください（例: diff HEAD~1）。"
            " (diff takes OLD [NEW])"
        )
    if args.command == "comments" and not args.revisions:
        parser.error(
            "comments には意見照会で返ってきた .docx ファイルを一つ以上指定してください。"
            " (comments takes one or more reviewed .docx files)"
        )
    if args.command not in ("diff", "kpi", "comments") and args.revisions:
        parser.error(
            f"{args.command} は版を取りません: {' '.join(args.revisions)} (unexpected arguments)"
        )
    if args.edition is not None and args.command not in ("build", "diff"):
        if args.command == "all":
            parser.error(
                "all はすべての版を作るため、--edition は付けません。一つの版だけなら"
                " build --edition NAME です。 (all builds every edition; --edition goes with"
                " build and diff only)"
            )
        parser.error(
            f"--edition は build と diff だけに使えます（{args.command} には使えません）。"
            " (--edition goes with build and diff only)"
        )
    if args.out is None:
        args.out = PROJECT_ROOT / "output"
        if args.edition is not None:
            args.out = args.out / "editions" / args.edition
    try:
        if args.command == "diff":
            diff(
                args.revisions[0],
                args.revisions[1] if len(args.revisions) > 1 else None,
                args.content,
                args.out,
                order=args.order,
                widths=args.show_width_changes,
                title=args.title,
                new_label=args.new_label,
                old_label=args.old_label,
                show_revisions=args.show_revisions,
                lists=args.with_lists,
                edition=args.edition,
            )
        elif args.command == "all":
            from .family import build_all

            return build_all(
                args.content, args.out, final=args.final, force=args.force, docx=not args.no_docx
            )
        elif args.command == "watch":
            from .watch import serve

            def report(line: str) -> None:
                print(line, flush=True)

            serve(args.content, args.out, args.port, report=report, open_browser=args.open)
        elif args.command == "kpi":
            _kpi(args, parser)
        elif args.command == "comments":
            from .pipeline import comments

            plan_docx = args.plan_docx if args.plan_docx else None
            comments([Path(f) for f in args.revisions], args.out, plan_docx=plan_docx)
        elif args.command == "followup":
            from .followup import followup

            followup(
                args.content, args.out, year=args.year, final=args.final, docx=not args.no_docx
            )
        elif args.command == "check":
            check(args.content, args.out, final=args.final)
        else:
            build(
                args.content,
                args.out,
                final=args.final,
                force=args.force,
                docx=not args.no_docx,
                edition=args.edition,
            )
        return 0
    except BuildError as exc:
        from .lint import FinalBlocked

        # --final refused: the count of each kind of blocker first, then the list by kind.
        lines = (
            exc.gate.report() if isinstance(exc, FinalBlocked) else [str(p) for p in exc.problems]
        )
        if exc.note is not None:
            lines.append(str(exc.note))
        for line in lines:
            print(line, file=sys.stderr)
        count = len(exc.problems)
        if args.command == "diff" and count == 1:
            return 1  # one line says it all (e.g. an unknown revision)
        command = args.command or "build"
        if command == "kpi" and args.revisions:
            command = f"kpi {args.revisions[0]}"
        what, what_ja = (
            ("the final edition is blocked", "正式版は作成できません")
            if args.final
            else _FAILED.get(command, (f"{command} failed", "作成できませんでした"))
        )
        out = files.shown_path(Path(args.out)).rstrip("/") + "/"
        kept = getattr(exc, "kept", True)
        if command.startswith("kpi "):
            left, left_ja = (
                "the content files were left as they were.",
                "内容ファイルはそのままです",
            )
        elif kept:
            left, left_ja = f"{out} was left as it was.", f"出力フォルダ {out} はそのままです"
        else:
            left, left_ja = (
                "the output folder will be completed by the next build, check or watch.",
                "出力フォルダは次の build・check・watch で整えられます",
            )
        english = f"{what}: {count} problem{'s' if count != 1 else ''}; {left}"
        last = f"{what_ja}（問題 {count} 件）。{left_ja}。 ({english})"
        print(last, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.command == "watch":
            return 0
        out = files.shown_path(Path(args.out)).rstrip("/") + "/"
        print(
            f"中断しました。出力フォルダ {out} はそのままです。 (interrupted; {out} was left as it was.)",
            file=sys.stderr,
        )
        return 130
    except OSError as exc:
        if args.command == "watch" and exc.filename is None and exc.errno in _PORT_ERRORS:
            print(
                f"watch: the preview cannot start on 127.0.0.1:{args.port}: {exc.strerror}. "
                "Choose another port with --port.",
                file=sys.stderr,
            )
            return 1
        # The operating system refused (a full or read-only disk, a path that is a file …):
        # one line naming the path and what to do, never a traceback.
        fallback = args.content if args.command == "check" else args.out
        print(
            files.os_error_problem(exc, exc.filename if exc.filename is not None else fallback),
            file=sys.stderr,
        )
        return 1
    except Exception as exc:
        # Not the content's fault: say so in one line, keep the traceback for developers.
        if os.environ.get("KEIKAKU_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        out = files.shown_path(Path(args.out)).rstrip("/") + "/"
        print(
            f"出力フォルダ {out} はそのままです。内容ではなくプログラムの不具合です。"
            "KEIKAKU_DEBUG=1 を付けて実行し直し、表示される内容を開発担当に知らせてください。"
            f" ({out} was left as it was. This is a fault of the build, not of the content; "
            "run again with KEIKAKU_DEBUG=1 for the traceback and report it.)",
            file=sys.stderr,
        )
        return 2
