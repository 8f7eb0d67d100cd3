# Runs a command once with its output discarded and prints "wall user sys max_rss_kb" of it:
# wait4() of the child, not /usr/bin/time, whose 10 ms steps are 5-10% of a 0.15 s run.
#
#   python3 bench/lib/measure.py COMMAND [ARG...]
import os
import sys
import time

t = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execvp(sys.argv[1], sys.argv[1:])
_, _, ru = os.wait4(pid, 0)
print(f"{time.perf_counter() - t:.4f} {ru.ru_utime:.4f} {ru.ru_stime:.4f} {ru.ru_maxrss}")
