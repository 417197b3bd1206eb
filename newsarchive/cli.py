"""Command line: build (default), check, serve."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import Config, load_config
from .errors import BuildError

EPILOG = """\
commands:
  build   build the site into the output folder (the default when no command is given)
  check   read and validate all content and templates; write nothing
  serve   build, serve the output on 127.0.0.1 and rebuild when content, layouts or config change

Examples:
  python build.py                                # build the sample archive into site/
  python build.py build --base-url https://user.github.io/repo/
  python build.py check --content ~/paper/content
  python build.py serve --port 8000
"""


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="path to config.yaml (default: ./config.yaml; without one, "
                        "content/, layouts/ and site/ in the working folder)")
    parser.add_argument("--content", type=Path, help="folder of article files (default: content/ from config)")
    parser.add_argument("--out", type=Path, help="output folder (default: site/ from config)")
    parser.add_argument("--base-url", help="absolute URL the site is published at, for canonical links")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description="newsarchive: build a searchable static archive of newspaper articles.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser("build", help="build the site (default)", description="Build the site into the output folder. "
                                "The previous output is replaced only when the whole build succeeded.")
    add_common(build)
    check = commands.add_parser("check", help="validate content and templates, write nothing",
                                description="Read and validate every article, issue file and template; write nothing.")
    add_common(check)
    serve = commands.add_parser("serve", help="build, serve on 127.0.0.1 and rebuild on change",
                                description="Build, serve the output on 127.0.0.1 and rebuild when content, layouts or config change.")
    add_common(serve)
    serve.add_argument("--port", type=int, default=8000, help="port to serve on (default: 8000)")
    return parser


def config_path(args: argparse.Namespace) -> Path:
    """--config, or ./config.yaml (when absent: defaults, relative to the working folder)."""
    return args.config if args.config is not None else Path("config.yaml")


def config_from(args: argparse.Namespace) -> Config:
    """The config file's settings with command-line overrides."""
    path = config_path(args)
    overrides = {"content": str(args.content.resolve()) if args.content else None,
                 "output": str(args.out.resolve()) if args.out else None,
                 "base_url": args.base_url}
    return load_config(path, overrides, must_exist=args.config is not None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = make_parser()
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = ["build", *argv]
    args = parser.parse_args(argv)
    from . import pipeline  # imported here so that --help stays fast
    try:
        config = config_from(args)
        if args.command == "check":
            site = pipeline.check(config)
            print(f"检查通过：{len(site.articles)} 篇文章，{len(site.issues)} 期，没有发现问题。")
        elif args.command == "serve":
            from .serve import serve
            serve(lambda: config_from(args), config_path(args), args.port)
        else:
            stats = pipeline.build(config, pipeline.print_progress)
            print(f"已生成 {config.output}：{stats.articles} 篇文章，{stats.issues} 期，"
                  f"{stats.pages} 个页面，{stats.indexed} 篇编入搜索索引，用时 {stats.seconds:.1f} 秒。")
    except BuildError as exc:
        print(f"构建失败 (build failed): {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断，未改动输出目录。", file=sys.stderr)
        return 130
    return 0
