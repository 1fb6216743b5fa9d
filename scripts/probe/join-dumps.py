"""PyTorch probe, curriculum phases: join the first NA batches of dump A and the first NB of dump B
(two runs of scripts/probe/dump-batches.ts with the same seed and architecture, so the same initial
weights) into one dump OUT that replay.py trains on. Probe f1 of the runs tried:
  npx tsx scripts/probe/dump-batches.ts word-only.json A; npx tsx scripts/probe/dump-batches.ts mix.json B
  python3 scripts/probe/join-dumps.py A 1000 B 4000 OUT; cd OUT && python3 ../scripts/probe/replay.py . ours sched=cos
Not part of install or tests."""
import json, shutil, sys
a, na, b, nb, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
if json.load(open(f'{a}/init.json')) != json.load(open(f'{b}/init.json')):
    sys.exit('join-dumps: the two dumps start from different weights (different seed or architecture)')
first, second = json.load(open(f'{a}/batches.json')), json.load(open(f'{b}/batches.json'))
if len(first) < na or len(second) < nb:
    sys.exit(f'join-dumps: asked for {na} + {nb} batches, the dumps hold {len(first)} and {len(second)}')
json.dump(first[:na] + second[:nb], open(f'{out}/batches.json', 'w'))
shutil.copy(f'{a}/init.json', f'{out}/init.json')
shutil.copy(f'{b}/evals.json', f'{out}/evals.json')  # the later phase's evaluation prompts
