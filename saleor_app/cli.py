"""Command line: `serve`, `worker` and `simulate-sms`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys

from saleor_app.config import ConfigError, Settings, load_settings
from saleor_app.observability import configure_logging


def _settings(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def serve(args: argparse.Namespace) -> None:
    """Run the HTTP app with a worker in one process."""
    import uvicorn

    from saleor_app.app import create_app

    overrides: dict[str, object] = {}
    if "APP_URL" not in os.environ:
        overrides["app_url"] = f"http://{args.host}:{args.port}"
    settings = _settings(**overrides)
    configure_logging(settings.log_level)
    app = create_app(settings, with_worker=True, announce=True, demo=args.demo)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        log_config=None,
        proxy_headers=False,
        server_header=False,
    )


def worker(args: argparse.Namespace) -> None:
    """Run background jobs only (to scale out)."""
    from saleor_app.app import open_context, running_worker
    from saleor_app.observability import Metrics

    settings = _settings()
    configure_logging(settings.log_level)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with open_context(settings, Metrics()) as ctx, running_worker(ctx):
            print(f"worker running on {ctx.store.description}", flush=True)
            await stop.wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `saleor-reverse-otp`."""
    parser = argparse.ArgumentParser(prog="saleor-reverse-otp", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the app and a worker")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8000)
    serve_cmd.add_argument("--demo", action="store_true", help="add a demo tenant and /demo")
    serve_cmd.set_defaults(run=serve)
    worker_cmd = commands.add_parser("worker", help="run background jobs only")
    worker_cmd.set_defaults(run=worker)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
