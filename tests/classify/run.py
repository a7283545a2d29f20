#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""vaccel-classify-server end to end.

  curl POST -> service -> rpc -> vaccel-agent -> torch: every held-back
  Fashion-MNIST sample gets its class; then the same with torch in the
  service's own process, the service on a unix socket. Errors: an empty body
  and bytes that are no image are 400 with the vAccel code (EINVAL) and its
  reason, a body over --max-body is 413 (declared, and chunked), wrong
  methods 405, unknown paths 404. Load: clients up to --max-inflight all get
  the right class; more than that get the right class or 503 (EBUSY), never
  anything else; connections stalled in their body hold their slots (503 for
  the next) until --timeout-s closes them; connections beyond
  --max-connections wait until one closes; the service's memory stays
  bounded; SIGTERM stops it with status 0 (and, in a sanitizer build, no
  leak), also while it is at its connection limit. Readiness is 200 with the plugin's name, liveness 200.

run.py --bin DIR --torch PLUGIN --rpc PLUGIN --model DIR [--sanitized]
Exits 77 (skipped) when something it needs is missing.
"""
import argparse
import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77


def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def child_env(extra):
    env = {k: v for k, v in os.environ.items()
           if k.startswith(("ASAN_", "UBSAN_", "LSAN_", "OMP_")) or k == "PATH"}
    env["VACCEL_LOG_LEVEL"] = "1"
    env.update(extra)
    return env


RUNNING = []


@atexit.register
def kill_leftovers():
    for p in RUNNING:
        if p.poll() is None:
            p.kill()
            p.wait()


class Proc:
    """A program that prints 'listening on URI' once it serves."""

    def __init__(self, argv, env, log):
        self.log = log
        self.p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                  stderr=open(log, "w"), text=True)
        RUNNING.append(self.p)
        line = self.p.stdout.readline()
        if not line.startswith("listening on "):
            self.p.kill()
            self.p.wait()
            fail(f"{argv[0]} did not start: {line!r}\n{self.logtext()}")
        self.uri = line.split()[-1]

    def logtext(self):
        with open(self.log) as f:
            return f.read()

    def rss_kib(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self, what):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.p.kill()
            fail(f"{what} did not stop on SIGTERM")
        check(rc == 0, f"{what} exited with {rc} after SIGTERM:\n{self.logtext()}")


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


class Service:
    def __init__(self, uri):
        self.uri = uri
        if uri.startswith("unix://"):
            self.unix = uri[len("unix://"):]
        else:
            self.unix = None
            hp = uri[len("tcp://"):]
            self.host, port = hp.rsplit(":", 1)
            self.port = int(port)

    def connection(self, timeout=30):
        if self.unix:
            return UnixConnection(self.unix, timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def raw_socket(self):
        if self.unix:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.unix)
        else:
            s = socket.create_connection((self.host, self.port))
        return s

    def request(self, method, path, body=None, headers=None, conn=None):
        c = conn or self.connection()
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            return r.status, hdrs, data
        finally:
            if conn is None:
                c.close()

    def curl(self, args):
        """curl, the way a user calls the service: status and JSON."""
        base = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}"]
        if self.unix:
            base += ["--unix-socket", self.unix]
            url = "http://localhost"
        else:
            url = f"http://{self.host}:{self.port}"
        out = subprocess.run(base + [a.replace("URL", url) for a in args],
                             capture_output=True, text=True, timeout=60)
        check(out.returncode == 0, f"curl {args}: {out.stderr}")
        body, _, code = out.stdout.rpartition("\n")
        return int(code), json.loads(body)


def samples(model):
    labels = open(os.path.join(model, "labels.txt")).read().splitlines()
    out = []
    for line in open(os.path.join(model, "expected.txt")):
        name, idx = line.split()[:2]
        path = os.path.join(model, name)
        with open(path, "rb") as f:
            out.append((path, f.read(), labels[int(idx)]))
    check(len(out) >= 10, "expected.txt lists fewer than 10 samples")
    return out


def json_of(data):
    try:
        return json.loads(data)
    except ValueError:
        fail(f"not JSON: {data!r}")


def functional(svc, plugin, imgs, max_body, tmp):
    # Probes.
    st, _, data = svc.request("GET", "/health/live")
    check(st == 200 and json_of(data) == {"live": True}, f"live: {st} {data!r}")
    st, _, data = svc.request("GET", "/health/ready")
    j = json_of(data)
    check(st == 200 and j.get("ready") is True and j.get("plugin") == plugin,
          f"ready: {st} {data!r}")

    # Every held-back sample, with curl, gets its class.
    for path, _, want in imgs:
        ctype = "image/png" if path.endswith(".png") else "image/jpeg"
        code, j = svc.curl(["--data-binary", "@" + path, "-H",
                            "Content-Type: " + ctype, "URL/classify"])
        check(code == 200, f"{path}: HTTP {code} {j}")
        check(j.get("class") == want, f"{path}: {j} (want {want!r})")
        check(isinstance(j.get("ms"), (int, float)) and j["ms"] >= 0,
              f"{path}: no time in {j}")
    # The function root classifies too (OpenFaaS).
    code, j = svc.curl(["--data-binary", "@" + imgs[-1][0], "URL/"])
    check(code == 200 and j.get("class") == imgs[-1][2], f"POST /: {code} {j}")

    # Errors, as JSON with the vAccel code and its reason.
    st, _, data = svc.request("POST", "/classify", body=b"")
    j = json_of(data)
    check(st == 400 and j.get("code") == 22 and j.get("error"),
          f"empty body: {st} {data!r}")
    st, _, data = svc.request("POST", "/classify", body=b"\x00garbage\xff" * 50)
    j = json_of(data)
    check(st == 400 and j.get("code") == 22 and "not an image" in j.get("error", ""),
          f"garbage: {st} {data!r}")
    # Refused on its Content-Length, before the body is sent, when the
    # client waits for "100 Continue"; else read, dropped and refused.
    big = os.path.join(tmp, "big.bin")
    with open(big, "wb") as f:
        f.write(b"x" * (max_body + 1))
    code, j = svc.curl(["--data-binary", "@" + big, "-H", "Expect: 100-continue",
                        "URL/classify"])
    check(code == 413 and j.get("code") == 28 and "--max-body" in j["error"],
          f"oversize: {code} {j}")
    st, _, data = svc.request("POST", "/classify", body=b"x" * (max_body + 1))
    check(st == 413 and json_of(data).get("code") == 28,
          f"oversize, no Expect: {st} {data!r}")
    # Chunked: no Content-Length, counted while it arrives.
    chunks = (b"y" * 4096 for _ in range(max_body // 4096 + 2))
    # (http.client sends an iterable of unknown length chunked)
    st, _, data = svc.request("POST", "/classify", body=chunks)
    check(st == 413 and json_of(data).get("code") == 28,
          f"oversize chunked: {st} {data!r}")
    # An image under the limit, chunked, is classified.
    img = imgs[0][1]
    st, _, data = svc.request("POST", "/classify",
                              body=(img[i:i + 100] for i in range(0, len(img), 100)))
    check(st == 200 and json_of(data).get("class") == imgs[0][2],
          f"chunked image: {st} {data!r}")
    st, hdrs, data = svc.request("GET", "/classify")
    check(st == 405 and hdrs.get("allow") == "POST" and json_of(data).get("error"),
          f"GET /classify: {st} {hdrs} {data!r}")
    st, hdrs, _ = svc.request("DELETE", "/health/ready")
    check(st == 405 and "GET" in hdrs.get("allow", ""), f"DELETE ready: {st}")
    st, _, data = svc.request("GET", "/nowhere")
    check(st == 404 and json_of(data).get("error"), f"unknown path: {st} {data!r}")
    st, _, data = svc.request("POST", "/classify/x", body=img)
    check(st == 404, f"POST unknown path: {st}")


def clients(svc, imgs, n, m):
    """n clients on keep-alive connections, m requests each; the statuses
    and classes seen, or the errors."""
    results, errors, lock = [], [], threading.Lock()

    def one(k):
        conn = svc.connection()
        try:
            for i in range(m):
                _, body, want = imgs[(k * m + i) % len(imgs)]
                try:
                    st, _, data = svc.request("POST", "/classify", body=body,
                                              conn=conn)
                except (OSError, http.client.HTTPException) as e:
                    # 503 closes the connection: open a new one.
                    conn.close()
                    conn = svc.connection()
                    with lock:
                        errors.append(repr(e))
                    continue
                if st != 200:
                    conn.close()
                    conn = svc.connection()
                with lock:
                    results.append((st, json_of(data), want))
        finally:
            conn.close()

    ts = [threading.Thread(target=one, args=(k,)) for k in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return results, errors


def load(svc, proc, imgs, inflight, max_conn, timeout_s, sanitized):
    # Warm: every worker thread has its session and the model is loaded.
    clients(svc, imgs, inflight, 2)
    rss0 = proc.rss_kib()
    t0 = time.monotonic()
    res, errs = clients(svc, imgs, inflight, 15)
    took = time.monotonic() - t0
    check(not errs, f"load within the cap: {errs[:3]}")
    bad = [r for r in res if r[0] != 200 or r[1].get("class") != r[2]]
    check(len(res) == inflight * 15 and not bad, f"load within the cap: {bad[:3]}")
    print(f"load: {inflight} clients x 15: {len(res) / took:.0f} images/s")

    # Over the cap: the right class or 503 (EBUSY, Retry-After), nothing else.
    res, errs = clients(svc, imgs, 3 * inflight, 10)
    check(not errs, f"load over the cap: {errs[:3]}")
    ok = [r for r in res if r[0] == 200]
    busy = [r for r in res if r[0] == 503]
    check(all(r[1].get("class") == r[2] for r in ok), "over the cap: a wrong class")
    check(all(r[1].get("code") == 16 for r in busy), f"over the cap: {busy[:1]}")
    check(len(ok) + len(busy) == len(res) == 30 * inflight,
          f"over the cap: other statuses {[r[0] for r in res if r[0] not in (200, 503)]}")
    check(ok, "over the cap: nothing classified")
    print(f"over the cap: {len(ok)} classified, {len(busy)} refused with 503")

    # Requests stalled in their body hold every slot: the next is 503 at
    # once, until the idle timeout closes them.
    # The requests of the load above hold their slots a moment after their
    # answers reach the clients: a 503 here is retried until they are
    # given back (at most a few seconds).
    stalled = []
    for _ in range(inflight):
        deadline = time.monotonic() + 5
        while True:
            s = svc.raw_socket()
            s.settimeout(10)
            s.sendall(b"POST /classify HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      b"Content-Length: 1000\r\n\r\n")
            # "100 Continue": admitted, the body awaited.
            got = s.recv(100)
            if got.startswith(b"HTTP/1.1 503") and time.monotonic() < deadline:
                s.close()
                time.sleep(0.05)
                continue
            break
        check(got.startswith(b"HTTP/1.1 100"), f"stalled request: {got!r}")
        s.sendall(b"z" * 10)
        stalled.append(s)
    st, hdrs, data = svc.request("POST", "/classify", body=imgs[0][1])
    check(st == 503 and hdrs.get("retry-after") == "1"
          and json_of(data).get("code") == 16, f"stalled slots: {st} {data!r}")
    t0 = time.monotonic()
    while True:
        st, _, data = svc.request("POST", "/classify", body=imgs[0][1])
        if st == 200 or time.monotonic() - t0 > timeout_s + 10:
            break
        time.sleep(0.1)
    check(st == 200, f"slots not freed by --timeout-s: {st} {data!r}")
    for s in stalled:
        s.settimeout(2)
        try:
            got = s.recv(100)
            check(got == b"", f"a stalled connection is still open: {got!r}")
        except ConnectionResetError:
            pass
        s.close()

    # Connections beyond --max-connections wait in the listen backlog: a
    # request on one is answered only once a slot frees.
    idle = [svc.raw_socket() for _ in range(max_conn)]
    time.sleep(0.3)
    answer = []
    waiter = threading.Thread(target=lambda: answer.append(
        svc.request("POST", "/classify", body=imgs[1][1])))
    waiter.start()
    waiter.join(0.8)
    check(not answer, f"served beyond --max-connections: {answer}")
    for s in idle:
        s.close()
    waiter.join(10)
    check(answer and answer[0][0] == 200
          and json_of(answer[0][2]).get("class") == imgs[1][2],
          f"the waiting connection: {answer}")

    rss1 = proc.rss_kib()
    grow = (rss1 - rss0) // 1024
    limit = 256 if sanitized else 64
    print(f"rss: {rss0 // 1024} MiB after warm-up, {rss1 // 1024} MiB after load")
    check(grow < limit, f"RSS grew by {grow} MiB under load (limit {limit})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--torch", default="")
    ap.add_argument("--rpc", default="")
    ap.add_argument("--model", default="")
    ap.add_argument("--sanitized", action="store_true")
    a = ap.parse_args()
    server = os.path.join(a.bin, "vaccel-classify-server")
    agent = os.path.join(a.bin, "vaccel-agent")
    for need in (server, agent, a.torch, a.rpc,
                 os.path.join(a.model, "model.pt"),
                 os.path.join(a.model, "expected.txt")):
        if not need or not os.path.exists(need):
            print(f"skipped: {need or 'the torch plugin or the model'} is missing")
            return SKIP
    if not shutil.which("curl"):
        print("skipped: no curl")
        return SKIP
    imgs = samples(a.model)
    tmp = tempfile.mkdtemp(prefix="vaccel-classify-test.")
    max_body, inflight, max_conn, timeout_s = 64 << 10, 4, 8, 2
    opts = ["--model", a.model, "--threads", "2", "--max-inflight", str(inflight),
            "--max-connections", str(max_conn), "--max-body", str(max_body),
            "--timeout-s", str(timeout_s)]
    # Options it cannot honour are refused (status 2), before it listens.
    for bad in (["--threads", "4", "--max-connections", "2"], ["--max-body", "0"],
                ["--listen", "udp://x:1"], ["--no-such-option"]):
        r = subprocess.run([server, "--model", a.model] + bad, env=child_env({}),
                           capture_output=True, text=True, timeout=30)
        check(r.returncode in (1, 2) and "listening" not in r.stdout,
              f"{bad}: status {r.returncode}, {r.stdout!r}")
    try:
        # Through the agent: service -> rpc -> agent -> torch.
        ag = Proc([agent, "-a", f"unix://{tmp}/agent.sock"],
                  child_env({"VACCEL_PLUGINS": a.torch}), f"{tmp}/agent.log")
        sp = Proc([server, "--listen", "tcp://127.0.0.1:0"] + opts,
                  child_env({"VACCEL_PLUGINS": a.rpc,
                             "VACCEL_RPC_ADDRESS": ag.uri}), f"{tmp}/rpc.log")
        svc = Service(sp.uri)
        functional(svc, "rpc", imgs, max_body, tmp)
        load(svc, sp, imgs, inflight, max_conn, timeout_s, a.sanitized)
        sp.stop("the service (rpc)")
        ag.stop("the agent")
        print("through the agent: ok")

        # In the service's process: torch, the service on a unix socket.
        sp = Proc([server, "--listen", f"unix://{tmp}/classify.sock"] + opts,
                  child_env({"VACCEL_PLUGINS": a.torch}), f"{tmp}/local.log")
        svc = Service(sp.uri)
        functional(svc, "torch", imgs, max_body, tmp)
        res, errs = clients(svc, imgs, inflight, 10)
        check(not errs and all(r[0] == 200 and r[1]["class"] == r[2] for r in res),
              f"local load: {errs[:2]} {[r for r in res if r[0] != 200][:2]}")
        # Stopped while at --max-connections: every thread wakes up.
        idle = [svc.raw_socket() for _ in range(max_conn + 1)]
        time.sleep(0.3)
        sp.stop("the service (torch), at its connection limit")
        for s in idle:
            s.close()
        check(not os.path.exists(f"{tmp}/classify.sock"),
              "the unix socket is left behind")
        print("in process: ok")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
