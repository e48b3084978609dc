"""Plays the cluster for one fake Slurm job: runs its script with the output going where its
#SBATCH --output says, and with FAKE_SLURM_REQUEUE=1 preempts the first run once it has saved a
checkpoint (SIGTERM, as Slurm does) and runs the job again, as a requeue does."""
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
    with open(os.path.join(state, f"{job}.{name}"), "w") as f:
        f.write(str(value))


time.sleep(0.5)  # pending for a moment
attempts = 2 if os.environ.get("FAKE_SLURM_REQUEUE") == "1" else 1
rc = 1
for attempt in range(attempts):
    put("state", "RUNNING")
    with open(out, "a") as log:  # --open-mode=append: a requeued run appends
        p = subprocess.Popen(["bash", script], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        put("pgid", p.pid)
        if attempt + 1 < attempts:
            while p.poll() is None and not glob.glob(os.path.join(cwd, "output", "checkpoint-*")):
                time.sleep(0.1)
            time.sleep(0.6)
            os.killpg(p.pid, signal.SIGTERM)
            p.wait()
            put("state", "PENDING")
            time.sleep(1)
            continue
        rc = p.wait()
if open(os.path.join(state, f"{job}.state")).read() != "CANCELLED":
    put("exit", rc)
    put("state", "COMPLETED" if rc == 0 else "FAILED")
