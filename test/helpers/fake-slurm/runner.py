"""Plays the cluster for one fake Slurm job: runs its script with the output going where its
#SBATCH --output says, and with FAKE_SLURM_REQUEUE=1 preempts the first run once it has saved a
checkpoint (SIGTERM, as Slurm does) and runs the job again, as a requeue does.

The cluster moves on when it has been watched, never on the clock: a job stays PENDING until
squeue has reported it PENDING, a preempted run waits until squeue has reported it RUNNING, and a
requeued job until squeue has reported it PENDING again (squeue logs what it reports in JOB.seen).
So qexp sees every state however slowly its squeue calls run."""
import glob
import os
import re
import signal
import subprocess
import sys
import time

job, script = sys.argv[1], sys.argv[2]
state = os.environ["FAKE_SLURM_DIR"]
text = open(script).read()
out = re.search(r"^#SBATCH --output=(.*)$", text, re.M).group(1).replace("%j", job)
cwd = re.search(r'^cd "?(.*?)"?$', text, re.M).group(1)


def put(name, value):
    # whole or not at all: squeue and sacct read these while the job moves
    path = os.path.join(state, f"{job}.{name}")
    with open(path + ".tmp", "w") as f:
        f.write(str(value))
    os.replace(path + ".tmp", path)


def seen(what):
    try:
        with open(os.path.join(state, f"{job}.seen")) as f:
            return f.read().split().count(what)
    except FileNotFoundError:
        return 0


def until(condition, what):
    """Polls a condition; gives up when the job is cancelled, the test's folder is gone, or after ten minutes."""
    deadline = time.monotonic() + 600
    while not condition():
        try:
            cancelled = open(os.path.join(state, f"{job}.state")).read() == "CANCELLED"
        except FileNotFoundError:
            cancelled = True
        if cancelled or time.monotonic() > deadline:
            sys.exit(f"fake Slurm job {job}: stopped waiting for {what}")
        time.sleep(0.05)


until(lambda: seen("PENDING") > 0, "squeue to report it PENDING")
attempts = 2 if os.environ.get("FAKE_SLURM_REQUEUE") == "1" else 1
rc = 1
for attempt in range(attempts):
    running = seen("RUNNING")
    put("state", "RUNNING")
    with open(out, "a") as log:  # --open-mode=append: a requeued run appends
        p = subprocess.Popen(["bash", script], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        put("pgid", p.pid)
        if attempt + 1 < attempts:
            until(lambda: p.poll() is not None or glob.glob(os.path.join(cwd, "output", "checkpoint-*")), "a checkpoint")
            until(lambda: seen("RUNNING") > running, "squeue to report it RUNNING")
            os.killpg(p.pid, signal.SIGTERM)
            p.wait()
            pending = seen("PENDING")
            put("state", "PENDING")
            until(lambda: seen("PENDING") > pending, "squeue to report it PENDING again")
            continue
        rc = p.wait()
if open(os.path.join(state, f"{job}.state")).read() != "CANCELLED":
    put("exit", rc)
    put("state", "COMPLETED" if rc == 0 else "FAILED")
