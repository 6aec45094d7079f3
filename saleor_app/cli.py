"""Reverse OTP for Saleor: holds risky Saleor orders until the shopper proves their phone number
by sending one SMS. Commands: `serve` (the app), `worker` (background jobs only, to scale out) and
`simulate-sms` (send a signed test SMS to a running app)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from typing import NoReturn

from saleor_app.config import ConfigError, Settings, load_settings
from saleor_app.observability import configure_logging
from saleor_app.version import app_version

SIMULATOR_ENV = "REVERSE_OTP_INBOUND_SECRET"


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
    from saleor_app.http_limits import limited_server_options
    from saleor_app.serving import GracefulServer, QuietStartupFailure, StartupProblem, bind

    overrides: dict[str, object] = {}
    if "APP_URL" not in os.environ:
        overrides["app_url"] = f"http://{args.host}:{args.port}"
    settings = _settings(**overrides)
    configure_logging(settings.log_level)
    from saleor_app.demo.tenant import DEMO_NUMBER, DEMO_SHOPPER
    from saleor_app.store.tenants import Tenant

    def announce_demo(tenant: Tenant) -> None:
        url = settings.app_url
        print(
            f"  demo page: {url}/demo (merchant's side: {url}/demo/merchant)\n"
            f"  demo inbound URL (generic): {url}/api/sms/generic/{tenant.inbound_key}\n"
            f"  demo inbound secret: {tenant.inbound_secret}\n"
            f"  try: saleor-reverse-otp simulate-sms --url {url} --tenant-key "
            f"{tenant.inbound_key} --secret {tenant.inbound_secret} --from {DEMO_SHOPPER} "
            f"--to {DEMO_NUMBER} --text <the code on the demo page>",
            flush=True,
        )

    try:
        sock = bind(args.host, args.port)
    except StartupProblem as exc:
        _fail(str(exc))
    quiet = QuietStartupFailure()
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addFilter(quiet)
    uvicorn_log.setLevel(max(logging.WARNING, logging.getLogger().level))

    def failed_start(reason: str) -> None:
        quiet.explained = reason

    def store_lost(reason: str) -> None:
        lost.append(reason)
        server.should_exit = True

    lost: list[str] = []
    app = create_app(
        settings, with_worker=True, announce=True, demo=args.demo, on_demo=announce_demo,
        on_failed_start=failed_start, on_store_lost=store_lost,
    )
    config = uvicorn.Config(
        app,
        access_log=False,
        log_config=None,
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        server_header=False,
        **limited_server_options(settings),
    )
    server = GracefulServer(config)
    try:
        server.run(sockets=[sock])
    except SystemExit:
        if quiet.explained is None:
            raise
        _fail(quiet.explained)
    finally:
        sock.close()
    if lost:
        _fail(lost[0], code=1)


def _fail(reason: str, code: int = 2) -> NoReturn:
    """One line on stderr, then exit."""
    print(f"saleor-reverse-otp: {reason}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def worker(args: argparse.Namespace) -> None:
    """Run background jobs only (to scale out)."""
    from prometheus_client import start_http_server

    from saleor_app.app import open_context, running_worker, watching_store
    from saleor_app.observability import Metrics
    from saleor_app.serving import STOP_SIGNALS
    from saleor_app.store.embedded import StoreStartError

    settings = _settings()
    configure_logging(settings.log_level)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, stop.set)
        metrics = Metrics()
        if args.metrics_port:
            start_http_server(args.metrics_port, args.metrics_host, registry=metrics.registry)

        def store_lost(reason: str) -> None:
            lost.append(reason)
            stop.set()

        async with (
            open_context(settings, metrics) as ctx,
            watching_store(ctx, store_lost),
            running_worker(ctx),
        ):
            print(f"worker running on {ctx.store.description}", flush=True)
            await stop.wait()

    lost: list[str] = []
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())
    except StoreStartError as exc:
        _fail(str(exc))
    if lost:
        _fail(lost[0], code=1)


def simulate_sms(args: argparse.Namespace) -> None:
    """POST one signed `generic` inbound SMS to a running app."""
    import httpx

    from saleor_app.demo.simulator import send_sms

    secret = args.secret or os.environ.get(SIMULATOR_ENV, "")
    if not secret:
        print(f"simulate-sms: give --secret or set {SIMULATOR_ENV}", file=sys.stderr)
        raise SystemExit(2)

    async def main() -> httpx.Response:
        async with httpx.AsyncClient(timeout=10) as http:
            return await send_sms(
                http,
                args.url,
                args.tenant_key,
                secret,
                sender=args.sender,
                to=args.to,
                text=args.text,
            )

    try:
        answer = asyncio.run(main())
    except httpx.HTTPError as exc:
        print(f"simulate-sms: {args.url} did not answer: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    print(f"{answer.status_code} {answer.text}")
    raise SystemExit(0 if answer.is_success else 1)


class RawDefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter,
                           argparse.RawDescriptionHelpFormatter):
    """Defaults after each option; the epilog's lines as written."""


def environment_help() -> str:
    """The environment variables the app reads, with their defaults."""
    from saleor_app.config import Settings

    lines = ["environment (an invalid value stops start-up with one line naming it):"]
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        shown = "" if default in ("", [], None) else f" (default: {default})"
        if name == "app_url":
            shown = " (default: http://<host>:<port>)"
        lines.append(f"  {name.upper()}{shown}")
    lines.append("  VALKEY_SERVER (an own valkey-server binary for the embedded store)")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `saleor-reverse-otp`."""
    parser = argparse.ArgumentParser(prog="saleor-reverse-otp", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    defaults = argparse.ArgumentDefaultsHelpFormatter
    serve_cmd = commands.add_parser(
        "serve", help="run the app and a worker", formatter_class=RawDefaultsFormatter,
        description="Run the app (HTTP) and a background worker in one process, on REDIS_URL or "
        "an embedded Valkey under DATA_DIR. Stops cleanly on Ctrl-C, SIGTERM or SIGHUP.",
        epilog=environment_help())
    serve_cmd.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve_cmd.add_argument("--port", type=int, default=8470, help="port to listen on (1-65535)")
    serve_cmd.add_argument("--demo", action="store_true",
                           help="add a demo shop: /demo (shopper) and /demo/merchant")
    serve_cmd.set_defaults(run=serve)
    worker_cmd = commands.add_parser("worker", help="run background jobs only",
                                     formatter_class=defaults)
    worker_cmd.add_argument("--metrics-port", type=int, default=0,
                            help="serve Prometheus /metrics of the jobs on this port (0: off)")
    worker_cmd.add_argument("--metrics-host", default="127.0.0.1",
                            help="address the metrics port listens on")
    worker_cmd.set_defaults(run=worker)
    sms_cmd = commands.add_parser("simulate-sms", help="send a signed generic inbound SMS",
                                  formatter_class=defaults)
    sms_cmd.add_argument("--url", required=True, help="the app's base URL")
    sms_cmd.add_argument("--tenant-key", required=True, help="the key in the inbound URL")
    sms_cmd.add_argument("--secret", help=f"the tenant's inbound secret (or set {SIMULATOR_ENV})")
    sms_cmd.add_argument("--from", dest="sender", required=True, help="sender number")
    sms_cmd.add_argument("--to", required=True, help="the virtual number")
    sms_cmd.add_argument("--text", required=True, help="message text")
    sms_cmd.set_defaults(run=simulate_sms)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
