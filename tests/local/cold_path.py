"""The cold path of the Lambda functions, as Lambda runs them, beside a Python + boto3 peer.

    python tests/local/cold_path.py --aws http://127.0.0.1:PORT --function moods=target/release/moods ...

For each function it spawns the binary against a minimal Lambda Runtime API (tests/local/bench.py),
hands it one event, and stops it as soon as its response arrives. The process's CPU time
(user + system, from wait4) is the cold path's CPU: everything from spawn to the first response,
init included. DynamoDB is reached through a TLS endpoint in front of the local stand-in (a
certificate of a throwaway CA, trusted through AWS_CA_BUNDLE beside the Amazon roots the
functions trust in Lambda), so the figure includes loading the roots and a TLS handshake.

One process per function then serves warm requests: CPU per request (from the kernel's
per-thread run time, /proc/<pid>/task/*/schedstat) and peak RSS (VmHWM).

`--peer` adds tests/local/peer/moods_peer.py (Python + boto3 on awslambdaric) on the same
events. Prints a JSON document; tests/local/bench.sh prints it as a table.
"""

import argparse
import asyncio
import datetime
import json
import os
import signal
import ssl
import statistics
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the runtime API and the stand-in's table)

ROOT = Path(__file__).resolve().parents[2]

# The event a cold start answers, and the simple request measured warm, per function.
EVENTS = {
    "moods": ("moods-create.json", "moods-get.json"),
    "account": ("account-get.json", "account-get.json"),
    "chat": ("chat-create-conversation.json", "chat-safety-resources.json"),
    "journals": ("journals-create.json", "journals-get.json"),
    "exercises": ("exercises-list.json", "exercises-get.json"),
}


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a certificate for 127.0.0.1 it signed; the CA joins the Amazon roots."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "therabot bench CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                    x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    cert_path, key_path, bundle_path = folder / "server.pem", folder / "server.key", folder / "roots.pem"
    cert_path.write_bytes(leaf.public_bytes(pem))
    key_path.write_bytes(key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    # The roots the functions trust in Lambda (Amazon's five, shared/src/aws_tls/), plus this
    # CA: the same parsing work as in production, and the peer is handed the same bundle.
    amazon = (ROOT / "shared" / "src" / "aws_tls" / "amazon-roots.pem").read_bytes()
    bundle_path.write_bytes(amazon + ca.public_bytes(pem))
    return cert_path, key_path, bundle_path


def start_tls_endpoint(target: str, cert: Path, key: Path) -> int:
    """A TLS endpoint on 127.0.0.1 in front of the plain-HTTP stand-in at `target`.

    It keeps its clients' connections open, as DynamoDB does: the stand-in closes every
    connection after one answer, which would make every warm request pay a new handshake.
    Each request goes to the stand-in on a connection of its own and its answer comes back
    on the client's kept connection."""
    host, port = target.removeprefix("http://").split(":")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    ready = threading.Event()
    bound = {}

    async def read_request(reader):
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        return head + (await reader.readexactly(length) if length else b"")

    async def forward(request: bytes) -> bytes:
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        upstream_writer.write(request)
        await upstream_writer.drain()
        answer = await upstream_reader.read()  # the stand-in closes after its answer
        upstream_writer.close()
        head, _, body = answer.partition(b"\r\n\r\n")
        lines = [line for line in head.split(b"\r\n")
                 if line.split(b":")[0].strip().lower() not in (b"connection", b"content-length")]
        lines.append(b"Content-Length: " + str(len(body)).encode())
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    async def serve_client(reader, writer):
        try:
            while True:
                request = await read_request(reader)
                writer.write(await forward(request))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            writer.close()

    async def serve():
        server = await asyncio.start_server(serve_client, "127.0.0.1", 0, ssl=context)
        bound["port"] = server.sockets[0].getsockname()[1]
        ready.set()
        async with server:
            await server.serve_forever()

    threading.Thread(target=lambda: asyncio.run(serve()), daemon=True).start()
    ready.wait(10)
    return bound["port"]


def load_event(name: str) -> dict:
    event = json.loads((ROOT / "events" / name).read_text())
    event["headers"].pop("idempotency-key", None)
    return event


def cpu_ns(pid: int) -> int:
    """CPU time of every live thread of `pid`, in nanoseconds (the scheduler's own count)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


class Subject:
    """One function under measurement: how to spawn it and which events it answers."""

    def __init__(self, name: str, command: list, env: dict):
        self.name, self.command, self.env = name, command, env


def spawn(subject: Subject, runtime_port: int):
    env = dict(subject.env, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{runtime_port}")
    return subprocess.Popen(subject.command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a function killed mid-request resets its connection: expected here


def runtime_server():
    runtime = bench.Runtime([])
    server = QuietServer(("127.0.0.1", 0), bench.handler_for(runtime))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return runtime, server


def status_of(result) -> int:
    ok, payload, _ = result
    return json.loads(payload).get("statusCode", 0) if ok else 0


def cold_start(subject: Subject, event: dict) -> dict:
    """Spawn, one event, stop at its response: the CPU and wall time of the whole cold path."""
    runtime, server = runtime_server()
    started = time.perf_counter()
    proc = spawn(subject, server.server_address[1])
    try:
        result = runtime.wait(runtime.submit(event), timeout=60)
        wall = (time.perf_counter() - started) * 1000
    except TimeoutError:
        proc.kill()
        raise SystemExit(f"{subject.name}: no response: {proc.communicate()[1].decode()[-3000:]}")
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
            _, _, usage = os.wait4(proc.pid, 0)
        server.shutdown()
    status = status_of(result)
    if status >= 500 or status == 0:
        raise SystemExit(f"{subject.name}: cold event answered {status}: {proc.stderr.read().decode()[-2000:]}")
    return {"cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000, "wall_ms": wall,
            "init_ms": (runtime.first_next - started) * 1000 if runtime.first_next else None,
            "status": status}


def warm(subject: Subject, cold_event: dict, warm_event: dict, n: int) -> dict:
    """One process: the cold event, then `n` warm ones; CPU per warm request and peak RSS."""
    runtime, server = runtime_server()
    proc = spawn(subject, server.server_address[1])
    try:
        first = runtime.wait(runtime.submit(cold_event), timeout=60)
        warm_event = json.loads(json.dumps(warm_event))
        if subject.name.startswith("moods") and status_of(first) and status_of(first) == 201:
            # Read back the entry just created, so the warm request finds something.
            created = json.loads(json.loads(first[1])["body"])["id"]
            warm_event["rawPath"] = warm_event["requestContext"]["http"]["path"] = f"/v1/moods/{created}"
            warm_event["pathParameters"] = {"id": created}
        for _ in range(20):  # settle: lazily built state, the connection pool
            runtime.wait(runtime.submit(warm_event))
        before = cpu_ns(proc.pid)
        statuses = []
        for _ in range(n):
            statuses.append(status_of(runtime.wait(runtime.submit(warm_event))))
        after = cpu_ns(proc.pid)
        peak = bench.rss_peak_kb(proc.pid)
    finally:
        proc.kill()
        proc.wait()
        server.shutdown()
    return {"warm_cpu_ms": (after - before) / n / 1e6, "warm_status": statistics.mode(statuses),
            "peak_rss_mb": peak / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aws", required=True, help="the plain-HTTP stand-in")
    parser.add_argument("--function", action="append", default=[], help="name=binary (name picks the events)")
    parser.add_argument("--peer", action="store_true", help="also measure the Python + boto3 peer of moods")
    parser.add_argument("--peer-python", default=str(ROOT / ".venv-peer" / "bin" / "python"))
    parser.add_argument("--runs", type=int, default=15, help="cold starts per function")
    parser.add_argument("-n", type=int, default=1000, help="warm requests per function")
    args = parser.parse_args()

    bench.prepare_aws(args.aws, "therabot-bench", "therabot-bench")
    seed = [(name, load_event(name)) for name in ("chat-send-message.json",)]
    bench.seed_events(args.aws, "therabot-bench", seed)
    cert, key, roots = make_certificates(ROOT / ".local" / "cold-path")
    tls_port = start_tls_endpoint(args.aws, cert, key)
    endpoint = f"https://127.0.0.1:{tls_port}"
    base = dict(
        os.environ,
        AWS_LAMBDA_FUNCTION_NAME="bench", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_LAMBDA_LOG_STREAM_NAME="bench",
        AWS_LAMBDA_LOG_GROUP_NAME="bench", AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
        TABLE_NAME="therabot-bench", CHAT_QUOTA_PER_HOUR="100000", CHAT_RISKY_QUOTA_PER_HOUR="100000",
        SECRET_ID="therabot-bench",
        AUTH_ISSUER="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
        AUTH_CLIENT_ID="therabot-local-client", AWS_ENDPOINT_URL=endpoint,
        EXPORT_BUCKET="therabot-bench-exports", USER_POOL_ID="us-east-1_Bench",
        AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
        SCREEN_MODEL_DIR=str(ROOT / ".models" / "multilingual-e5-small"), RUST_LOG="warn",
        AWS_CA_BUNDLE=str(roots),
    )
    subjects = []
    for spec in args.function:
        name, binary = spec.split("=", 1)
        subjects.append((name, Subject(name, [binary], base)))
    if args.peer:
        peer_env = dict(base, PYTHONPATH=str(ROOT / "tests" / "local" / "peer"), PYTHONDONTWRITEBYTECODE="1")
        subjects.append(("moods", Subject("moods (Python 3.11 + boto3, awslambdaric)",
                                          [args.peer_python, "-m", "awslambdaric", "moods_peer.handler"], peer_env)))
    results = []
    for events_of, subject in subjects:
        cold_name, warm_name = EVENTS[events_of.split("-")[0]]
        cold_event, warm_event = load_event(cold_name), load_event(warm_name)
        runs = [cold_start(subject, cold_event) for _ in range(args.runs)]
        measured = warm(subject, cold_event, warm_event, args.n)
        results.append({
            "function": subject.name, "cold_event": cold_name, "warm_event": warm_name,
            "cold_cpu_ms": round(statistics.median(r["cpu_ms"] for r in runs), 2),
            "cold_cpu_ms_min": round(min(r["cpu_ms"] for r in runs), 2),
            "cold_wall_ms": round(statistics.median(r["wall_ms"] for r in runs), 2),
            "init_wall_ms": round(statistics.median(r["init_ms"] for r in runs if r["init_ms"]), 2),
            "cold_status": runs[0]["status"],
            "warm_cpu_ms": round(measured["warm_cpu_ms"], 3), "warm_status": measured["warm_status"],
            "peak_rss_mb": round(measured["peak_rss_mb"], 1),
        })
        print(json.dumps(results[-1]), file=sys.stderr)
    document = {"runs": args.runs, "warm_requests": args.n, "results": results, "zips": zip_sizes()}
    (ROOT / ".local" / "cold-path.json").write_text(json.dumps(document, indent=2))
    print_table(document)


def zip_sizes() -> dict:
    """The arm64 packages `make build` left in target/lambda/, in MB."""
    return {path.parent.name: round(path.stat().st_size / 1e6, 2)
            for path in sorted((ROOT / "target" / "lambda").glob("*/bootstrap.zip"))}


def print_table(document: dict) -> None:
    print(f"| function | cold CPU, spawn to first response (median of {document['runs']}) | cold wall | "
          f"warm CPU per request ({document['warm_requests']}) | peak RSS | arm64 zip |")
    print("|---|---|---|---|---|---|")
    for r in document["results"]:
        name = r["function"].split(" ")[0]
        zipped = document["zips"].get(name) if "Python" not in r["function"] else None
        print(f"| {r['function']} | {r['cold_cpu_ms']:.1f} ms ({r['cold_event']}) | {r['cold_wall_ms']:.1f} ms | "
              f"{r['warm_cpu_ms']:.3f} ms ({r['warm_event']}) | {r['peak_rss_mb']:.1f} MB | "
              f"{f'{zipped:.2f} MB' if zipped else '—'} |")


if __name__ == "__main__":
    main()
