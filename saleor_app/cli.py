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

    app = create_app(
        settings, with_worker=True, announce=True, demo=args.demo, on_demo=announce_demo
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        log_config=None,
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        server_header=False,
        **limited_server_options(settings),
    )


def worker(args: argparse.Namespace) -> None:
    """Run background jobs only (to scale out)."""
    from prometheus_client import start_http_server

    from saleor_app.app import open_context, running_worker
    from saleor_app.observability import Metrics

    settings = _settings()
    configure_logging(settings.log_level)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        metrics = Metrics()
        if args.metrics_port:
            start_http_server(args.metrics_port, args.metrics_host, registry=metrics.registry)
        async with open_context(settings, metrics) as ctx, running_worker(ctx):
            print(f"worker running on {ctx.store.description}", flush=True)
            await stop.wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `saleor-reverse-otp`."""
    parser = argparse.ArgumentParser(prog="saleor-reverse-otp", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {app_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the app and a worker")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=8470)
    serve_cmd.add_argument("--demo", action="store_true", help="add a demo tenant and /demo")
    serve_cmd.set_defaults(run=serve)
    worker_cmd = commands.add_parser("worker", help="run background jobs only")
    worker_cmd.add_argument("--metrics-port", type=int, default=0,
                            help="serve Prometheus /metrics of the jobs on this port (0: off)")
    worker_cmd.add_argument("--metrics-host", default="127.0.0.1",
                            help="address the metrics port listens on")
    worker_cmd.set_defaults(run=worker)
    sms_cmd = commands.add_parser("simulate-sms", help="send a signed generic inbound SMS")
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
