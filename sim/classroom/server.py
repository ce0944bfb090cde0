"""``ceasefire demo``: serve the classroom dashboard (:mod:`sim.classroom.dashboard`) on this machine.

Bad input ends before anything starts, in one message and a non-zero exit: an unknown
scenario, a port already in use, or a missing ``[demo]`` extra.
"""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
import warnings

from sim.errors import ScenarioError
from sim.scenario import load_scenario

EXIT_USAGE = 2


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port), or a ScenarioError naming the port or host."""
    if not 0 <= port <= 65535:
        raise ScenarioError("--port", "", str(port), "a port number from 0 to 65535 (0: any free port)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise ScenarioError("--host", "", repr(host), "an address of this machine, e.g. 127.0.0.1") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise ScenarioError(
                "--port", "", f"port {port} already in use on {host}", "a free port, or --port 0 for any free one"
            ) from None
        if error.errno in (errno.EACCES, errno.EPERM):  # ports below 1024 need privileges: the port is at fault
            raise ScenarioError(
                "--port", "", f"port {port} ({error.strerror}: it needs privileges)", "a port from 1024 up, or 0"
            ) from None
        raise ScenarioError("--host", "", f"{host}:{port} ({error.strerror})", "an address of this machine") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def warn_if_exposed(host: str) -> None:
    """One line on stderr when the page is reachable from other machines: the dashboard has no login."""
    import ipaddress

    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name other than localhost
        local = False
    if not local:
        print(
            f"ceasefire: warning: --host {host} exposes the dashboard to other machines on the network "
            "(it has no login); use 127.0.0.1 to keep it on this machine",
            file=sys.stderr,
        )


def serve(scenario: str = "baseline", host: str = "127.0.0.1", port: int = 8765) -> int:
    """Check the scenario and the port, then serve the dashboard until interrupted."""
    load_scenario(scenario)  # an unknown name or a bad file stops here, with one message
    sock = bind(host, port)
    warn_if_exposed(host)
    # Mesa 3.3's ComponentsView (imported with mesa.visualization) returns early when given no
    # components; Solara's hook checker warns about it at import. The dashboard does not use it.
    warnings.filterwarnings("ignore", message=".*ComponentsView: `use_state` found despite early return")
    try:
        import solara  # noqa: F401
        import uvicorn
        from mesa.visualization.utils import force_update  # noqa: F401
    except ImportError as error:
        sock.close()
        print(
            f"ceasefire: error: the dashboard needs the demo extra ({error.name} is missing); "
            "install it with: pip install 'ceasefire-sim[demo]'",
            file=sys.stderr,
        )
        return EXIT_USAGE
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    os.environ.update(
        {
            "SOLARA_APP": "sim.classroom.dashboard",
            "CEASEFIRE_DEMO_SCENARIO": scenario,
            "SERVER_NAME": host,
            "SERVER_PORT": str(port),
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            # No "This website runs on Solara" badge: it covered the story's last line.
            "SOLARA_THEME_SHOW_BANNER": "False",
            "SOLARA_THEME_TITLE": "Ceasefire simulator",
        }
    )
    from solara.server import settings
    from solara.server.starlette import app

    settings.theme.show_banner = False  # read at import, perhaps before the environment above was set
    settings.theme.title = "Ceasefire simulator"

    print(f"Classroom dashboard ({scenario}): open http://{shown}:{port}/ in a browser. Ctrl+C stops it.", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    server.run(sockets=[sock])
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The ``demo`` subcommand's handler."""
    return serve(args.scenario, args.host, args.port)
