"""Run a command and measure its whole process tree: wall time, CPU seconds, peak resident memory.

The tree is sampled from /proc every ``interval`` seconds: the command, its workers, their
helpers (Node processes), and Ray's processes when the command starts a private Ray. Ray's own
daemons (GCS server, raylet, dashboard and log agents — processes that serve Ray, not the work)
are summed apart, so "peak tree RSS" is the memory of the work itself and "Ray daemons" is
reported next to it. CPU seconds are the larger of the sampled sum and what the kernel counts for
waited-for descendants (so short-lived processes are not missed).

    python -m benchmarks.perf.process_tree -- pagegold bench run --systems all --out runs/full
    python -m benchmarks.perf.process_tree --json -- pagegold ingest ../shared/corpora/aeb --out /tmp/x

Prints one line (or one JSON object with ``--json``): wall seconds, CPU seconds, peak RSS of the
tree without Ray's daemons (a sum of RSS counts pages that forked workers share once per
process; the PSS sum splits them, so it is the tree's real footprint), peak RSS of the largest
single process, peak RSS of Ray's daemons.
The command's exit status is passed through.

**Roles** say what makes the peak. Every process of the work gets one: ``driver`` (the command),
``worker:<system>`` and ``ner:<system>`` (a ``benchmarks.pool`` worker and the system it runs;
workers name themselves in the folder ``$PAGEGOLD_ROLE_DIR``, which ``measure`` sets),
``node:<system>`` (a Node process of a worker), ``inputs`` (the driver's child that writes a
run's input slices), ``ray-worker``, ``pool-support`` (forkserver,
reaper, resource tracker), ``child:<role>`` (anything else a worker started), ``other``. The
report gives each role's RSS at the moment of the tree's peak (``roles_at_peak``; the largest
processes then in ``top_at_peak``) and each role's own maximum over the run (``role_peaks``), both
also summed per kind (the part before ``:``: ``kinds_at_peak``, ``kind_peaks``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field

#: Process names (``/proc/PID/comm``, cut at 15 characters) and command-line markers of Ray's daemons.
RAY_DAEMON_NAMES = ("gcs_server", "raylet", "plasma_store", "redis-server")
RAY_DAEMON_MARKERS = ("dashboard/agent.py", "dashboard/dashboard.py", "log_monitor.py", "monitor.py",
                      "runtime_env/agent", "ray_client_server", "ray/_private/", "ray::IDLE_SPILL")


def is_ray_daemon(comm: str, cmdline: str) -> bool:
    """Whether a process serves Ray rather than running the work (Ray's task workers are work).

    >>> is_ray_daemon("raylet", "/venv/lib/ray/core/src/ray/raylet/raylet --node-id=...")
    True
    >>> is_ray_daemon("ray::run_shard", "ray::run_shard")
    False
    """
    if comm in RAY_DAEMON_NAMES:
        return True
    return "default_worker.py" not in cmdline and any(m in cmdline for m in RAY_DAEMON_MARKERS)


@dataclass
class TreeUsage:
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    peak_tree_mb: float = 0.0  # sum of RSS over the tree, Ray's daemons left out
    peak_tree_pss_mb: float = 0.0  # sum of PSS (shared pages split between their users): the tree's real share
    peak_process_mb: float = 0.0  # the largest single process of the work
    peak_ray_daemons_mb: float = 0.0  # sum over Ray's daemons
    processes: int = 0  # distinct processes seen
    roles_at_peak: dict[str, float] = field(default_factory=dict)  # role -> RSS MB when the tree peaked
    pss_roles_at_peak: dict[str, float] = field(default_factory=dict)  # role -> PSS MB at the same moment
    role_peaks: dict[str, float] = field(default_factory=dict)  # role -> its own largest RSS sum (MB)
    kinds_at_peak: dict[str, float] = field(default_factory=dict)  # kind (driver, worker, node, ...) -> RSS MB
    kind_peaks: dict[str, float] = field(default_factory=dict)  # kind -> its own largest RSS sum (MB)
    top_at_peak: list[tuple[int, str, float]] = field(default_factory=list)  # (pid, role, RSS MB), largest first
    cpu_by_pid: dict[int, float] = field(default_factory=dict, repr=False)


#: Environment variable naming the folder where pool workers write their role (``benchmarks.pool``).
ROLE_DIR_ENV = "PAGEGOLD_ROLE_DIR"
# process names the pool and the driver give (15 characters at most)
WORKER_COMM, REAPER_COMM, INPUTS_COMM = "pagegold-worker", "pagegold-reape", "pagegold-inputs"


def kind(role: str) -> str:
    """The kind of a role: ``worker:trafilatura`` -> ``worker``, ``driver`` -> ``driver``."""
    return role.split(":", 1)[0]


def _read_proc(pid: int) -> tuple[int, int, float, str] | None:
    """(ppid, rss bytes, cpu seconds, comm) of one process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            head, rest = fh.read().rsplit(")", 1)
        fields = rest.split()
        comm = head.split("(", 1)[1]
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE"), cpu, comm
    except (OSError, IndexError, ValueError):
        return None


def _pss(pid: int) -> int:
    """Proportional set size in bytes (0 when unreadable): a page shared by n processes counts 1/n."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


class TreeSampler:
    """Samples the tree under ``root`` in a background thread until ``stop()``; see ``usage``."""

    def __init__(self, root: int, interval: float = 0.2, role_dir: str | None = None) -> None:
        self.root, self.interval = root, interval
        self.role_dir = role_dir if role_dir is not None else os.environ.get(ROLE_DIR_ENV)
        self.usage = TreeUsage()
        self._daemon: dict[int, bool] = {}
        self._static_role: dict[int, str] = {}  # roles known from the command line (pool-support, ray-worker)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._start = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> TreeUsage:
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join()
            self.usage.wall_seconds = time.perf_counter() - self._start
        return self.usage

    def _worker_role(self, pid: int) -> str:
        """``worker:<system>`` / ``ner:<system>`` from the file the worker wrote, ``worker:starting`` before."""
        if self.role_dir:
            try:
                with open(os.path.join(self.role_dir, str(pid)), encoding="utf-8") as fh:
                    task, _, system = fh.read().strip().partition(" ")
                return f"{'ner' if task == 'entities' else 'worker'}:{system}"
            except OSError:
                pass
        return "worker:starting"

    def _role(self, pid: int, comm: str, parent_role: str | None) -> str:
        """The role of ``pid`` (see the module's docstring); ``parent_role``: its parent's, None for the root."""
        if parent_role is None:
            return "driver"
        if comm == WORKER_COMM:  # checked each time: a forked worker renames itself after it starts
            return self._worker_role(pid)
        if comm == INPUTS_COMM:
            return "inputs"
        if pid not in self._static_role:
            cmd = _cmdline(pid)
            if comm == REAPER_COMM or "multiprocessing.forkserver" in cmd or "resource_tracker" in cmd:
                self._static_role[pid] = "pool-support"
            elif comm.startswith("ray::") or "default_worker.py" in cmd:
                self._static_role[pid] = "ray-worker"
        role = self._static_role.get(pid)
        if role:
            return role
        owner = parent_role.split(":", 1)[1] if kind(parent_role) in ("worker", "ner") else None
        if owner is None:
            return "other" if not parent_role.startswith(("node:", "child:")) else parent_role
        return f"node:{owner}" if comm.startswith("node") else f"child:{owner}"

    def sample(self) -> None:
        procs = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit() and (info := _read_proc(int(entry))) is not None:
                procs[int(entry)] = info
        children: dict[int, list[int]] = {}
        for pid, (ppid, *_rest) in procs.items():
            children.setdefault(ppid, []).append(pid)
        work = work_pss = daemons = biggest = 0
        roles: dict[str, float] = {}
        pss_roles: dict[str, float] = {}
        per_process: list[tuple[int, str, float]] = []
        stack: list[tuple[int, str | None]] = [(self.root, None)]
        u = self.usage
        while stack:
            pid, parent_role = stack.pop()
            if pid not in procs:
                continue
            _ppid, rss, cpu, comm = procs[pid]
            if pid not in self._daemon:
                self._daemon[pid] = is_ray_daemon(comm, _cmdline(pid))
            u.cpu_by_pid[pid] = max(u.cpu_by_pid.get(pid, 0.0), cpu)
            role = "ray-daemon" if self._daemon[pid] else self._role(pid, comm, parent_role)
            stack.extend((child, role) for child in children.get(pid, []))
            if self._daemon[pid]:
                daemons += rss
            else:
                pss = _pss(pid)
                work += rss
                work_pss += pss
                biggest = max(biggest, rss)
                roles[role] = roles.get(role, 0.0) + rss / 2**20
                pss_roles[role] = pss_roles.get(role, 0.0) + pss / 2**20
                per_process.append((pid, role, rss / 2**20))
        kinds: dict[str, float] = {}
        for role, mb in roles.items():
            u.role_peaks[role] = max(u.role_peaks.get(role, 0.0), mb)
            kinds[kind(role)] = kinds.get(kind(role), 0.0) + mb
        for name, mb in kinds.items():
            u.kind_peaks[name] = max(u.kind_peaks.get(name, 0.0), mb)
        if work / 2**20 > u.peak_tree_mb:
            u.roles_at_peak, u.pss_roles_at_peak, u.kinds_at_peak = roles, pss_roles, kinds
            u.top_at_peak = sorted(per_process, key=lambda p: -p[2])[:8]
        u.peak_tree_mb = max(u.peak_tree_mb, work / 2**20)
        u.peak_tree_pss_mb = max(u.peak_tree_pss_mb, work_pss / 2**20)
        u.peak_process_mb = max(u.peak_process_mb, biggest / 2**20)
        u.peak_ray_daemons_mb = max(u.peak_ray_daemons_mb, daemons / 2**20)
        u.cpu_seconds = sum(u.cpu_by_pid.values())
        u.processes = len(u.cpu_by_pid)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)
        self.sample()


def measure(cmd: list[str], env: dict[str, str] | None = None, interval: float = 0.2,
            **popen: object) -> tuple[subprocess.CompletedProcess, TreeUsage]:
    """Run ``cmd`` to completion while sampling its tree; (completed process, usage). The command's
    pool workers name their system in a temporary role folder (``$PAGEGOLD_ROLE_DIR``)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="pagegold-roles-") as role_dir:
        env = {**(os.environ if env is None else env), ROLE_DIR_ENV: role_dir}
        proc = subprocess.Popen(cmd, env=env, **popen)  # type: ignore[call-overload]
        with TreeSampler(proc.pid, interval, role_dir) as sampler:
            stdout, stderr = proc.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # processes waited for by their parents are counted in full here, even those shorter than a sample
    waited = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    sampler.usage.cpu_seconds = max(sampler.usage.cpu_seconds, waited)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), sampler.usage


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in sorted(value.items(), key=lambda kv: -kv[1])}
    if isinstance(value, list):
        return [[_rounded(x) for x in item] if isinstance(item, (list, tuple)) else _rounded(item) for item in value]
    return value


def _mb(figures: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0f} MB" for k, v in sorted(figures.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between samples")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a line")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        parser.error("give the command to measure after --")
    done, usage = measure(cmd, interval=args.interval)
    figures = {k: _rounded(v) for k, v in asdict(usage).items() if k != "cpu_by_pid"}
    if args.json:
        print(json.dumps({"returncode": done.returncode, **figures}), file=sys.stderr)
    else:
        print(f"wall {usage.wall_seconds:.1f} s, CPU {usage.cpu_seconds:.1f} s, peak tree RSS {usage.peak_tree_mb:.0f} MB "
              f"(PSS {usage.peak_tree_pss_mb:.0f} MB; "
              f"largest process {usage.peak_process_mb:.0f} MB; Ray daemons {usage.peak_ray_daemons_mb:.0f} MB), "
              f"{usage.processes} processes, exit {done.returncode}", file=sys.stderr)
        print("at the peak: " + _mb(usage.kinds_at_peak) + "; each kind's own peak: " + _mb(usage.kind_peaks),
              file=sys.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
