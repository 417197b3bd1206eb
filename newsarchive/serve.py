"""`serve`: build, serve the output on 127.0.0.1, rebuild when sources change."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path
from typing import Callable

from . import pipeline
from .config import Config
from .errors import BuildError


def watch_stamp(config: Config, config_path: Path) -> tuple:
    """What a build reads (pipeline.source_stamp), and the config file itself; or, when they
    cannot be read for the moment (the content folder gone), why not."""
    try:
        st = config_path.stat() if config_path.is_file() else None
        return pipeline.source_stamp(config), st and (st.st_mtime_ns, st.st_size)
    except Exception as exc:
        return (repr(exc),)


class Handler(http.server.SimpleHTTPRequestHandler):
    """The output folder's files, as GitHub Pages serves them: no folder listings."""

    def log_message(self, format: str, *args) -> None:  # quiet: one line per rebuild is enough
        pass

    def list_directory(self, path):
        self.send_error(404, "Not found")
        return None

    def send_head(self):
        try:
            return super().send_head()
        except ValueError:  # a NUL byte in the path (/%00)
            self.send_error(404, "Not found")
            return None


def serve(load_config: Callable[[], Config], config_path: Path, port: int, poll_seconds: float = 1.0) -> None:
    """Serve the output folder and rebuild (re-reading the config) on change until interrupted."""
    config = load_config()

    def rebuild() -> None:
        nonlocal config
        try:
            config = load_config()
            stats = pipeline.build(config)
            print(f"已重新生成：{stats.pages} 个页面，用时 {stats.seconds:.1f} 秒", flush=True)
        except BuildError as exc:
            print(f"构建失败，仍在提供上一版：\n{exc}", flush=True)
        except Exception as exc:  # whatever went wrong, the last good site stays served
            print(f"构建失败，仍在提供上一版：{type(exc).__name__}: {exc}", flush=True)

    stamp = watch_stamp(config, config_path)  # taken first: a change during the first build is seen
    rebuild()
    handler = functools.partial(Handler, directory=str(config.output))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"正在提供 http://127.0.0.1:{server.server_address[1]}/ （Ctrl+C 停止）", flush=True)
    try:
        while True:
            time.sleep(poll_seconds)
            now = watch_stamp(config, config_path)
            if now != stamp:
                stamp = now
                rebuild()
    finally:
        server.shutdown()
