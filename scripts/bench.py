#!/usr/bin/env python3
"""End-to-end timings of the flowctl binary: start-up, memory, per-task cost.

Usage: python3 scripts/bench.py bin/flowctl [runs] [startup|chatty|download|pydeps]

With `startup`, only the start-up measures (the floors, `flowctl version`, the one-task run and
their ratios to the empty Go program); with `chatty`, only the million-line measure.

Prints the median and spread of wall time over repeated runs, and the peak resident set size
(from wait4's rusage of each child), for:
  - `/bin/true` and an empty Go program, the machine's process start floors,
  - `flowctl version`,
  - `flowctl run` of a one-task Log flow,
  - the start-up ratios: `flowctl version` and the one-task run to the empty Go program,
    measured in turns,
  - `flowctl run` of a 100-task shell flow, against a shell loop spawning the same 100
    `/bin/sh -c` processes: the difference divided by 100 is flowctl's cost per task,
  - the seed's slack-simple-message.yml posting to a slack-sink on loopback, beside the
    one-task Log run: the difference is what a Slack post costs end to end,
  - the one-task run, `executions list` and `executions show` against a state holding
    100,000 executions (made by scripts/fillstate),
  - `executions list` on 100 executions whose outputs weigh 10 MiB each, beside 100 small,
  - `scheduler tick` with 1,000 applied flows, each with a Schedule trigger, none due,
  - `flowctl run` of a task printing 1 GB in 1,000-byte lines, in text and in -o json mode:
    the peak RSS stays flat (the log keeps its first 1 MiB and a short tail),
  - `flowctl run` of a task writing outputs up to their 8 MiB bound,
  - `flowctl run` of a task printing 1,000,000 short lines, its log recorded in the state as
    it runs (batches of 500 lines or 200 ms, up to the 1 MiB cap), beside the same run whose
    script writes them to /dev/null and the bare script: the target is under 1.5x,
  - `flowctl run` of an http.Download of 100 MiB from a loopback server, against `curl -o` of
    the same URL (`python3 scripts/bench.py bin/flowctl 10 download` runs only this): the
    targets are a peak RSS under 30 MiB and a wall time within 1.5x of curl's,
  - `flowctl run` of a python.Script with one dependency (a wheel made here, installed
    offline): the first run (virtual environment and pip install) against a run finding the
    environment cached, and the same script without dependencies
    (`python3 scripts/bench.py bin/flowctl 5 pydeps` runs only this).
Every run records its execution in a state file of its own temporary folder.
"""
import base64
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def measure(argv, runs, env=None):
    """Runs argv `runs` times through the C launcher and summarises wall time and peak RSS."""
    walls, rss, code = [], [], 0
    for _ in range(runs):
        out = subprocess.run([SPAWN] + argv, env=env, capture_output=True, text=True, check=True).stdout
        ns, kib, code = (int(x) for x in out.split())
        walls.append(ns / 1e9)
        rss.append(kib)
    walls.sort()
    return {
        "median_ms": statistics.median(walls) * 1000,
        "p10_ms": walls[len(walls) // 10] * 1000,
        "p90_ms": walls[(len(walls) * 9) // 10] * 1000,
        "peak_mib": max(rss) / 1024,
        "exit": code,
    }


def side_by_side(cmds, runs, env):
    """Measures the commands of cmds (name -> argv) in turns, one run of each per round, so
    that a machine whose load changes during the measure weighs on all of them alike."""
    walls = {name: [] for name in cmds}
    for _ in range(runs):
        for name, argv in cmds.items():
            out = subprocess.run([SPAWN] + argv, env=env, capture_output=True, text=True, check=True).stdout
            walls[name].append(int(out.split()[0]) / 1e6)
    return {name: statistics.median(w) for name, w in walls.items()}


def show(name, r):
    print(f"{name:<44} median {r['median_ms']:8.2f} ms  (p10 {r['p10_ms']:.2f}, p90 {r['p90_ms']:.2f})"
          f"  peak RSS {r['peak_mib']:.1f} MiB  exit {r['exit']}")


SPAWN = ""


def main():
    global SPAWN
    if len(sys.argv) > 3 and sys.argv[3] == "download":
        # Only the 100 MiB download: python3 scripts/bench.py BIN RUNS download
        binary = os.path.abspath(sys.argv[1])
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, NO_COLOR="1", FLOWCTL_STATE=os.path.join(d, "state", "state.db"))
            SPAWN = os.path.join(d, "spawn")
            subprocess.run(["cc", "-O2", "-o", SPAWN, os.path.join(os.path.dirname(os.path.abspath(__file__)), "spawn.c")], check=True)
            download(binary, d, env, int(sys.argv[2]))
        return
    if len(sys.argv) > 3 and sys.argv[3] == "pydeps":
        # Only the Python dependencies: python3 scripts/bench.py BIN RUNS pydeps
        binary = os.path.abspath(sys.argv[1])
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, NO_COLOR="1", FLOWCTL_STATE=os.path.join(d, "state", "state.db"))
            SPAWN = os.path.join(d, "spawn")
            subprocess.run(["cc", "-O2", "-o", SPAWN, os.path.join(os.path.dirname(os.path.abspath(__file__)), "spawn.c")], check=True)
            pydeps(binary, d, env, int(sys.argv[2]))
        return
    if len(sys.argv) > 3 and sys.argv[3] == "chatty":
        # Only the million-line measure: python3 scripts/bench.py BIN RUNS chatty
        binary = os.path.abspath(sys.argv[1])
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, NO_COLOR="1", FLOWCTL_STATE=os.path.join(d, "state", "state.db"))
            SPAWN = os.path.join(d, "spawn")
            subprocess.run(["cc", "-O2", "-o", SPAWN, os.path.join(os.path.dirname(os.path.abspath(__file__)), "spawn.c")], check=True)
            chatty(binary, d, env)
        return
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "bin/flowctl")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, NO_COLOR="1", FLOWCTL_STATE=os.path.join(d, "state", "state.db"))
        SPAWN = os.path.join(d, "spawn")
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run(["cc", "-O2", "-o", SPAWN, os.path.join(here, "spawn.c")], check=True)
        empty = os.path.join(d, "empty")
        os.mkdir(empty + "-src")
        with open(os.path.join(empty + "-src", "main.go"), "w") as f:
            f.write("package main\n\nfunc main() {}\n")
        subprocess.run(["go", "build", "-o", empty, "./main.go"], cwd=empty + "-src", check=True,
                       env=dict(os.environ, GO111MODULE="off", CGO_ENABLED="0"))
        # The floor under flowctl's start-up: a program linking every package flowctl links
        # (so running each one's initialisation) whose main does nothing.
        floor = os.path.join(d, "initfloor")
        subprocess.run(["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", floor, "./scripts/initfloor"],
                       cwd=os.path.join(here, ".."), check=True, env=dict(os.environ, CGO_ENABLED="0"))
        one = os.path.join(d, "one.yml")
        with open(one, "w") as f:
            f.write("id: one\nnamespace: bench\ntasks:\n  - id: hello\n"
                    "    type: io.kestra.plugin.core.log.Log\n    message: hello << flow.id >>\n")
        hundred = os.path.join(d, "hundred.yml")
        with open(hundred, "w") as f:
            f.write("id: hundred\nnamespace: bench\ntasks:\n")
            for i in range(100):
                f.write(f"  - id: t{i}\n    type: io.kestra.plugin.scripts.shell.Commands\n"
                        f"    commands: [\"echo task {i}\"]\n")
        loop = os.path.join(d, "loop.sh")
        with open(loop, "w") as f:
            # The same 100 processes flowctl starts: /bin/sh -c with `set -e` and the command.
            f.write("for i in $(seq 100); do /bin/sh -c 'set -e\necho task' >/dev/null; done\n")

        print(f"{runs} runs each, {os.cpu_count()} CPUs, {binary}")
        show("/bin/true (process start floor)", measure(["/bin/true"], runs, env))
        show("empty Go program", measure([empty], runs, env))
        show("flowctl version", measure([binary, "version"], runs, env))
        r1 = measure([binary, "run", one], runs, env)
        show("flowctl run one-task Log flow", r1)
        # Start-up as ratios to the empty Go program, measured in turns (the targets: version
        # within 1.6x, a one-task Log run with its state written within 2.5x).
        turns = side_by_side({"empty": [empty], "floor": [floor], "version": [binary, "version"],
                              "run": [binary, "run", one]}, runs, env)
        print(f"{'start-up, ratio to the empty Go program':<44} version {turns['version'] / turns['empty']:.2f}x"
              f"  one-task run {turns['run'] / turns['empty']:.2f}x  (medians {turns['empty']:.2f} /"
              f" {turns['version']:.2f} / {turns['run']:.2f} ms, in turns)")
        print(f"{'floor: every package linked, main empty':<44} {turns['floor'] / turns['empty']:.2f}x"
              f"  (median {turns['floor']:.2f} ms, in turns)")
        if len(sys.argv) > 3 and sys.argv[3] == "startup":
            return
        few = max(5, runs // 5)
        r100 = measure([binary, "run", hundred], few, env)
        show("flowctl run 100 shell tasks", r100)
        base = measure(["/bin/sh", loop], few, env)
        show("sh loop spawning the same 100 processes", base)
        per_task = (r100["median_ms"] - base["median_ms"] - r1["median_ms"]) / 100
        print(f"flowctl cost per shell task above the processes: {per_task:.3f} ms")

        # A Slack post end to end: the seed flow against a slack-sink on a free loopback port.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            addr = "127.0.0.1:%d" % s.getsockname()[1]
        sink = subprocess.Popen([binary, "slack-sink", "--addr", addr], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(addr.split(":"), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.02)
            hook = base64.b64encode(f"http://{addr}/services/T000/B000/XXXX".encode()).decode()
            seed = os.path.join(here, "..", "examples", "seed", "slack-simple-message.yml")
            rs = measure([binary, "run", seed], runs, dict(env, SECRET_SLACK_WEBHOOK=hook))
            show("flowctl run slack-simple-message (sink)", rs)
            print(f"a Slack post costs a run {rs['median_ms'] - r1['median_ms']:+.2f} ms end to end")
        finally:
            sink.terminate()
            sink.wait()

        # The state: the same one-task run against a state holding 100,000 executions, and
        # the read commands on it.
        big = os.path.join(d, "big", "state.db")
        subprocess.run(["go", "run", "./scripts/fillstate", "-state", big, "-n", "100000"],
                       cwd=os.path.join(here, ".."), check=True)
        big_env = dict(env, FLOWCTL_STATE=big)
        rbig = measure([binary, "run", one], runs, big_env)
        show("flowctl run one-task Log flow, 100k state", rbig)
        print(f"100k executions cost a run {rbig['median_ms'] - r1['median_ms']:+.2f} ms")
        show("flowctl executions list (100k state)", measure([binary, "executions", "list"], runs, big_env))
        listed = subprocess.run([binary, "executions", "list", "--limit", "1", "-o", "json"],
                                env=big_env, capture_output=True, text=True, check=True).stdout
        some_id = listed.split('"id": "')[1].split('"')[0]
        show("flowctl executions show ID (100k state)", measure([binary, "executions", "show", some_id], runs, big_env))

        # Listing does not read documents: 100 executions whose task runs output 10 MiB each
        # list as fast as 100 small ones (their summaries are alike).
        lists = {}
        for name, output in (("small", 0), ("10 MiB outputs", 10 << 20)):
            path = os.path.join(d, "list-" + str(output), "state.db")
            subprocess.run(["go", "run", "./scripts/fillstate", "-state", path, "-n", "100", "-output", str(output)],
                           cwd=os.path.join(here, ".."), check=True)
            list_env = dict(env, FLOWCTL_STATE=path)
            for argv in (["executions", "list"], ["executions", "list", "--limit", "0", "-o", "json"]):
                r = measure([binary] + argv, runs, list_env)
                show(f"flowctl {' '.join(argv[1:])} (100 {name})", r)
                lists.setdefault(" ".join(argv[1:]), []).append(r["median_ms"])
            os.remove(path)
        for argv, (small, fat) in lists.items():
            print(f"{argv}: 10 MiB outputs take {fat / small:.2f}x the time of small executions")

        # The scheduler's idle tick, as a crontab line runs it every minute: 1,000 applied flows
        # with a schedule (29 February at midnight: never due while the bench runs).
        flows = os.path.join(d, "flows")
        os.mkdir(flows)
        paths = []
        for i in range(1000):
            p = os.path.join(flows, f"f{i}.yml")
            with open(p, "w") as f:
                f.write(f"id: f{i}\nnamespace: bench.sched\ntasks:\n  - id: hello\n"
                        "    type: io.kestra.plugin.core.log.Log\n    message: hello\n"
                        "triggers:\n  - id: leap\n    type: io.kestra.plugin.core.trigger.Schedule\n"
                        "    cron: \"0 0 29 2 *\"\n    timezone: Europe/Paris\n")
            paths.append(p)
        sched_env = dict(env, FLOWCTL_STATE=os.path.join(d, "sched", "state.db"))
        subprocess.run([binary, "flow", "apply"] + paths, env=sched_env, check=True, stdout=subprocess.DEVNULL)
        show("flowctl scheduler tick (1,000 flows, none due)", measure([binary, "scheduler", "tick"], runs, sched_env))

        # A task printing 1 GB: a million lines of 999 bytes and a newline.
        loud = os.path.join(d, "loud.yml")
        with open(loud, "w") as f:
            f.write("id: loud\nnamespace: bench\ntasks:\n  - id: loud\n"
                    "    type: io.kestra.plugin.scripts.shell.Commands\n"
                    "    commands: [\"yes \\\"$(printf '%0999d' 0)\\\" | head -c 1000000000\"]\n")
        show("flowctl run a task printing 1 GB", measure([binary, "run", loud], 3, env))
        show("flowctl run a task printing 1 GB, -o json", measure([binary, "run", loud, "-o", "json"], 3, env))

        # A task filling its outputs: twenty 1 MB ::{...}:: lines, the task fails past 8 MiB.
        outs = os.path.join(d, "outs.yml")
        with open(outs, "w") as f:
            f.write("id: outs\nnamespace: bench\ntasks:\n  - id: outs\n"
                    "    type: io.kestra.plugin.scripts.shell.Commands\n"
                    "    commands: [\"for i in $(seq 20); do printf '::{\\\"outputs\\\":{\\\"k%s\\\":\\\"' $i;"
                    " head -c 1000000 /dev/zero | tr '\\\\0' a; printf '\\\"}}::\\\\n'; done\"]\n")
        show("flowctl run a task writing 8 MiB of outputs", measure([binary, "run", outs], 3, env))
        show("flowctl run a task writing 8 MiB of outputs, -o json", measure([binary, "run", outs, "-o", "json"], 3, env))

        download(binary, d, env, few)
        chatty(binary, d, env)
        pydeps(binary, d, env, few)


# A loopback server answering any GET with 100 MiB from memory, in Go so that the server is
# not what limits either client.
DOWNLOAD_SERVER = """package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	body := make([]byte, 100<<20)
	for i := range body {
		body[i] = byte(i * 7)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr())
	os.Stdout.Close()
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
}
"""


def download(binary, d, env, runs):
    """http.Download of 100 MiB from a loopback server, against `curl -o` of the same URL:
    wall time in turns, and flowctl's peak RSS (the target: under 30 MiB, within 1.5x)."""
    if not shutil.which("curl"):
        print("download: curl is not installed, skipped (apt-get install curl)")
        return
    src = os.path.join(d, "dlserver-src")
    os.makedirs(src, exist_ok=True)
    with open(os.path.join(src, "main.go"), "w") as f:
        f.write(DOWNLOAD_SERVER)
    server_bin = os.path.join(d, "dlserver")
    subprocess.run(["go", "build", "-o", server_bin, "./main.go"], cwd=src, check=True,
                   env=dict(os.environ, GO111MODULE="off", CGO_ENABLED="0"))
    server = subprocess.Popen([server_bin], stdout=subprocess.PIPE, text=True)
    try:
        url = "http://" + server.stdout.readline().strip() + "/data.bin"
        flow = os.path.join(d, "download.yml")
        with open(flow, "w") as f:
            f.write("id: download\nnamespace: bench\ntasks:\n  - id: fetch\n"
                    "    type: io.kestra.plugin.core.http.Download\n"
                    f"    uri: {url}\n")
        dl_env = dict(env, FLOWCTL_STATE=os.path.join(d, "dl", "state.db"))
        out = os.path.join(d, "curl.out")
        cmds = {"curl": ["curl", "-s", "-o", out, url], "flowctl": [binary, "run", flow]}
        walls = {name: [] for name in cmds}
        rss = {name: [] for name in cmds}
        for _ in range(runs):
            for name, argv in cmds.items():
                res = subprocess.run([SPAWN] + argv, env=dl_env, capture_output=True, text=True, check=True).stdout
                ns, kib, code = (int(x) for x in res.split())
                if code != 0:
                    sys.exit(f"download: {name} exited {code}")
                walls[name].append(ns / 1e6)
                rss[name].append(kib / 1024)
            # Each run stores its own 100 MiB: drop them so the disk holds one copy at a time.
            shutil.rmtree(os.path.join(d, "dl"), ignore_errors=True)
        med = {name: statistics.median(w) for name, w in walls.items()}
        print(f"{'download 100 MiB from loopback':<44} flowctl {med['flowctl']:.0f} ms, peak RSS"
              f" {max(rss['flowctl']):.1f} MiB; curl -o {med['curl']:.0f} ms, peak RSS {max(rss['curl']):.1f} MiB;"
              f" ratio {med['flowctl'] / med['curl']:.2f}x  (medians of {runs}, in turns)")
    finally:
        server.terminate()
        server.wait()


def chatty(binary, d, env):
    """A task printing a million lines, against the same script writing them to /dev/null."""
    script = "i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); echo line $i; done"
    paths = {}
    for name, cmd in (("chatty", script), ("quiet", script + " >/dev/null")):
        paths[name] = os.path.join(d, name + ".yml")
        with open(paths[name], "w") as f:
            f.write(f"id: {name}\nnamespace: bench\ntasks:\n  - id: {name}\n"
                    f"    type: io.kestra.plugin.scripts.shell.Commands\n    commands: [{json.dumps(cmd)}]\n")
    # The floor of any reader of the script's output: the same lines through a pipe into
    # cat, which does nothing with them (a write to a pipe costs the script more than one
    # to /dev/null).
    turns = side_by_side({"script": ["/bin/sh", "-c", script + " >/dev/null"],
                          "piped": ["/bin/sh", "-c", "(" + script + ") | cat >/dev/null"],
                          "quiet": [binary, "run", paths["quiet"]],
                          "chatty": [binary, "run", paths["chatty"]]}, 5, env)
    print(f"{'a task printing 1,000,000 lines':<44} {turns['chatty']:.0f} ms; to /dev/null in flowctl"
          f" {turns['quiet']:.0f} ms ({turns['chatty'] / turns['quiet']:.2f}x), bare script {turns['script']:.0f} ms"
          f" ({turns['chatty'] / turns['script']:.2f}x)  (medians of 5, in turns)")
    print(f"{'the same lines piped into cat':<44} {turns['piped']:.0f} ms ({turns['piped'] / turns['script']:.2f}x"
          f" the bare script): the cost of a pipe alone")


def pydeps(binary, d, env, runs):
    """A python.Script importing one dependency: the first run, which makes the virtual
    environment and installs the package with pip, against runs finding it cached."""
    import hashlib
    import zipfile
    wheels = os.path.join(d, "wheels")
    os.makedirs(wheels, exist_ok=True)
    files = {"benchpkg/__init__.py": b"VALUE = 1\n",
             "benchpkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: benchpkg\nVersion: 1.0\n",
             "benchpkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    with zipfile.ZipFile(os.path.join(wheels, "benchpkg-1.0-py3-none-any.whl"), "w") as z:
        record = []
        for name, data in files.items():
            z.writestr(name, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
        z.writestr("benchpkg-1.0.dist-info/RECORD", "\n".join(record + ["benchpkg-1.0.dist-info/RECORD,,"]) + "\n")
    flows = {}
    for name, deps in (("deps", "    dependencies: [benchpkg]\n"), ("nodeps", "")):
        flows[name] = os.path.join(d, f"py{name}.yml")
        with open(flows[name], "w") as f:
            f.write(f"id: py{name}\nnamespace: bench\ntasks:\n  - id: py\n"
                    f"    type: io.kestra.plugin.scripts.python.Script\n{deps}"
                    "    script: |\n      import sys\n      print(sys.prefix)\n")
    state = os.path.join(d, "pydeps", "state.db")
    py_env = dict(env, FLOWCTL_STATE=state, PIP_NO_INDEX="1", PIP_FIND_LINKS=wheels)
    first, cached = [], []
    for _ in range(runs):
        shutil.rmtree(state + ".cache", ignore_errors=True)
        first.append(measure([binary, "run", flows["deps"]], 1, py_env)["median_ms"])
        cached.append(measure([binary, "run", flows["deps"]], 3, py_env)["median_ms"])
    bare = measure([binary, "run", flows["nodeps"]], 3 * runs, py_env)["median_ms"]
    print(f"{'python.Script with one dependency':<44} first run {statistics.median(first):.0f} ms"
          f" ({min(first):.0f}-{max(first):.0f}), cached {statistics.median(cached):.0f} ms"
          f" ({min(cached):.0f}-{max(cached):.0f}); without dependencies {bare:.0f} ms  (medians of {runs})")


if __name__ == "__main__":
    main()
