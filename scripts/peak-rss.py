#!/usr/bin/python3
"""Peak RSS of one process, not of its children: peak-rss.py OUT COMMAND [ARGS...]

Runs COMMAND under ptrace with only PTRACE_O_TRACEEXIT set (no fork, clone or exec
tracing, so the processes it starts run untraced), and when its main thread reaches the
exit event, while its memory still exists, reads VmHWM and VmRSS from /proc/PID/status and
writes "VmHWM_KB VmRSS_KB" to OUT. Signals stop the tracee on their way in and are passed on
unchanged. Exits with the command's exit code.

Why not /usr/bin/time -v or getrusage(RUSAGE_CHILDREN): the kernel folds the largest
waited-for descendant's maxrss into a child's, so for lanctl it reports a docker CLI
process (tens of MB), not lanctl. Polling /proc/PID/status can miss a peak reached after
the last poll and finds nothing once the process is a zombie.
"""
import ctypes
import os
import signal
import sys

PTRACE_TRACEME, PTRACE_CONT, PTRACE_SETOPTIONS = 0, 7, 0x4200
PTRACE_O_TRACEEXIT, PTRACE_EVENT_EXIT = 0x40, 6

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long


def ptrace(req, pid, data=0):
    if libc.ptrace(req, pid, None, ctypes.c_void_p(data)) == -1:
        err = ctypes.get_errno()
        raise OSError(err, f"ptrace({req}, {pid}): {os.strerror(err)}")


def status_kb(pid):
    got = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                got[key] = rest.split()[0]
    return got.get("VmHWM", "?"), got.get("VmRSS", "?")


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: peak-rss.py OUT COMMAND [ARGS...]")
    out, argv = sys.argv[1], sys.argv[2:]
    pid = os.fork()
    if pid == 0:
        try:
            ptrace(PTRACE_TRACEME, 0)
            os.execvp(argv[0], argv)
        except OSError as e:
            print(f"peak-rss: cannot run {argv[0]}: {e}", file=sys.stderr)
            os._exit(127)
    # The first stop is the SIGTRAP of the exec.
    _, st = os.waitpid(pid, 0)
    if not os.WIFSTOPPED(st):
        sys.exit(f"peak-rss: {argv[0]} did not start")
    ptrace(PTRACE_SETOPTIONS, pid, PTRACE_O_TRACEEXIT)
    ptrace(PTRACE_CONT, pid, 0)
    peak = None
    while True:
        _, st = os.waitpid(pid, 0)
        if os.WIFEXITED(st) or os.WIFSIGNALED(st):
            break
        sig = os.WSTOPSIG(st)
        if sig == signal.SIGTRAP and (st >> 16) == PTRACE_EVENT_EXIT:
            peak = status_kb(pid)
            ptrace(PTRACE_CONT, pid, 0)
        else:
            ptrace(PTRACE_CONT, pid, 0 if sig == signal.SIGTRAP else sig)
    with open(out, "w") as f:
        f.write(f"{peak[0]} {peak[1]}\n" if peak else "? ?\n")
    sys.exit(os.WEXITSTATUS(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st))


if __name__ == "__main__":
    main()
