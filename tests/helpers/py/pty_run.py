"""Run a command on a new pseudo-terminal, as a user at a terminal would.

argv: a JSON list of [text to wait for, keys to type then] steps, then the command. Prints one
JSON object: the terminal's local modes (ICANON, ECHO) before, at each step and after the command
ended, its exit code, and everything it wrote. A step whose text does not come within 20 s ends
the run: the command is killed and the step is reported missing.
"""
import json, os, pty, select, signal, sys, termios, time

steps = json.loads(sys.argv[1])
argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b""


def read_until(pattern, timeout):
    """Read until pattern is in the output (True), or EOF / timeout (False)."""
    global out
    end = time.time() + timeout
    while pattern is None or pattern.encode() not in out:
        left = end - time.time()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], min(left, 0.1))
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the command closed the terminal
                chunk = b""
            if not chunk:
                return pattern is None
            out += chunk
    return True


def modes():
    flags = termios.tcgetattr(fd)[3]
    return {"icanon": bool(flags & termios.ICANON), "echo": bool(flags & termios.ECHO)}


report = {"before": modes(), "steps": []}
for wait_for, keys in steps:
    if not read_until(wait_for, 20):
        report["steps"].append({"missing": wait_for})
        os.kill(pid, signal.SIGKILL)
        break
    report["steps"].append(modes())
    if keys:
        os.write(fd, keys.encode())
read_until(None, 20)
report["after"] = modes()
_, status = os.waitpid(pid, 0)
report["code"] = os.waitstatus_to_exitcode(status)
report["output"] = out.decode("utf-8", "replace")
print(json.dumps(report))
